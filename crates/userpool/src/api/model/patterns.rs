//! The model's patterns are Java regular expressions matched against the whole value. Rust's
//! `regex` reads most of them as they are; this translates the rest: whole-value anchoring,
//! Java's ASCII-only `\w`, `\s`, `\d`, and the one lookbehind (`(?<!\.)$`, "does not end with
//! a dot"), which becomes a class intersection.

use regex::Regex;

/// `pattern` compiled to match whole values as Java's `String.matches` does.
pub(super) fn compile(pattern: &str) -> Option<Regex> {
    let rust = translate(&lookbehind(pattern));
    Regex::new(&format!("^(?:{rust})$")).ok()
}

/// `^[C]*(?<!\.)$` (any of C, not ending with a dot) as `^(?:[C]*[C&&[^.]])?$`.
fn lookbehind(pattern: &str) -> String {
    const TAIL: &str = "]*(?<!\\.)$";
    match pattern
        .strip_prefix("^[")
        .and_then(|p| p.strip_suffix(TAIL))
    {
        Some(class) => format!("^(?:[{class}]*[{class}&&[^.]])?$"),
        None => pattern.to_string(),
    }
}

/// Java's Perl classes are ASCII unless a flag says otherwise; Rust's are Unicode. In a
/// class, a `-` right after a range (`0-9-_`) is a literal in Java; Rust wants it escaped.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut class = Class::default();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let posix = match next {
                    'w' => Some("[:word:]"),
                    's' => Some("[:space:]"),
                    'S' => Some("[:^space:]"),
                    'd' => Some("[:digit:]"),
                    _ => None,
                };
                match (posix, class.depth > 0) {
                    (Some(p), true) => out.push_str(p),
                    (Some(p), false) => out.push_str(&format!("[{p}]")),
                    (None, _) => {
                        out.push('\\');
                        out.push(next);
                    }
                }
                // A Perl class cannot start or end a range.
                class.atom(posix.is_none());
            }
            '[' => {
                class.depth += 1;
                class.reset();
                out.push(c);
            }
            ']' if class.depth > 0 => {
                class.depth -= 1;
                class.reset();
                out.push(c);
            }
            '-' if class.depth > 0 => {
                let literal = !class.can_start_range || chars.peek() == Some(&']');
                if literal {
                    out.push_str("\\-");
                    class.atom(true);
                } else {
                    out.push('-');
                    class.in_range = true;
                }
            }
            _ => {
                out.push(c);
                if class.depth > 0 {
                    class.atom(true);
                }
            }
        }
    }
    out
}

/// Where a translation is inside a character class.
#[derive(Default)]
struct Class {
    depth: usize,
    /// The last item was a single character, which a `-` may make a range's start.
    can_start_range: bool,
    /// A `-` began a range: the next item ends it.
    in_range: bool,
}

impl Class {
    fn reset(&mut self) {
        self.can_start_range = false;
        self.in_range = false;
    }

    /// After an item of the class; `single` when it is one character.
    fn atom(&mut self, single: bool) {
        self.can_start_range = single && !self.in_range;
        self.in_range = false;
    }
}

#[cfg(test)]
mod tests {
    use super::compile;

    fn matches(p: &str, v: &str) -> bool {
        compile(p).expect(p).is_match(v)
    }

    #[test]
    fn java_patterns_match_whole_values() {
        assert!(matches(r"[\w+]+", "abc+1_2"));
        assert!(!matches(r"[\w+]+", "abc/1"));
        assert!(!matches(r"[\w+]+", "é"), "Java's \\w is ASCII");
        assert!(matches(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+", "ann@example.com"));
        assert!(!matches(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+", "a b"));
        assert!(matches(r"[\S]+", "x!"));
        assert!(!matches(r"[\S]+", "12 34"));
        assert!(matches(r"[A-Za-z0-9-_+/=.]+", "a-b_c+/="));
        assert!(matches(r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_TestPool1"));
        assert!(matches(r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "a.b"));
        assert!(matches(r"^[0-9A-Za-z\.\-_]*(?<!\.)$", ""));
        assert!(!matches(r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "ab."));
        assert!(matches(r"[0-9]+", "123456"));
        assert!(!matches(r"[0-9]+", "12a"));
    }
}

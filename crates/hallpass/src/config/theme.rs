//! The built-in pages' brand (NextAuth's `theme` option): an app name for titles and headings, a
//! logo, a brand colour, the button text colour and the colour scheme. Set it in code with
//! [`crate::ConfigBuilder::theme`] or through `AUTH_THEME_*` (see [`crate::Config`]'s module docs);
//! [`crate::ConfigBuilder::build`] checks every value, so that nothing an app configures can break
//! out of the page's `<style>` or load an image from anywhere but the logo's own origin.
//!
//! ```
//! use hallpass::{ColorScheme, Config, Theme};
//!
//! let config = Config::builder()
//!     .secret("0123456789abcdef0123456789abcdef")
//!     .theme(
//!         Theme::new()
//!             .name("Example")
//!             .logo("/static/logo.svg")
//!             .brand_color("#4f46e5")
//!             .button_text("#fff")
//!             .color_scheme(ColorScheme::Auto),
//!     )
//!     .build()
//!     .unwrap();
//! # let _ = config;
//! ```

use http::HeaderValue;
use url::Url;

use super::error::ConfigError;

/// Light, dark, or whatever the visitor's system prefers (`AUTH_THEME_COLOR_SCHEME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorScheme {
    /// Follow `prefers-color-scheme` (the default).
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ColorScheme {
    /// Parses `auto`, `light` or `dark` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(ColorScheme::Auto),
            "light" => Some(ColorScheme::Light),
            "dark" => Some(ColorScheme::Dark),
            _ => None,
        }
    }

    /// The CSS `color-scheme` value.
    pub(crate) fn css(self) -> &'static str {
        match self {
            ColorScheme::Auto => "light dark",
            ColorScheme::Light => "light",
            ColorScheme::Dark => "dark",
        }
    }
}

/// The built-in pages' brand; every part is optional. See the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    pub(crate) name: Option<String>,
    pub(crate) logo: Option<String>,
    pub(crate) brand_color: Option<String>,
    pub(crate) button_text: Option<String>,
    pub(crate) color_scheme: ColorScheme,
}

/// The longest app name the pages show: it goes into titles and headings.
const MAX_NAME_CHARS: usize = 60;

impl Theme {
    /// No brand: Hallpass's neutral look.
    pub fn new() -> Self {
        Self::default()
    }

    /// The app's name, shown in page titles and the sign-in heading (`AUTH_THEME_NAME`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The logo above each page: a same-origin path (`/static/logo.svg`) or an `https://` URL,
    /// whose origin the pages' `Content-Security-Policy` then allows for images
    /// (`AUTH_THEME_LOGO`).
    pub fn logo(mut self, logo: impl Into<String>) -> Self {
        self.logo = Some(logo.into());
        self
    }

    /// Buttons, links and focus rings: `#rgb` or `#rrggbb` (`AUTH_THEME_BRAND_COLOR`).
    pub fn brand_color(mut self, color: impl Into<String>) -> Self {
        self.brand_color = Some(color.into());
        self
    }

    /// The text colour on buttons: `#rgb` or `#rrggbb` (`AUTH_THEME_BUTTON_TEXT`).
    pub fn button_text(mut self, color: impl Into<String>) -> Self {
        self.button_text = Some(color.into());
        self
    }

    /// Light, dark or automatic (`AUTH_THEME_COLOR_SCHEME`).
    pub fn color_scheme(mut self, scheme: ColorScheme) -> Self {
        self.color_scheme = scheme;
        self
    }

    /// Checks every part and normalises the logo; the error names the variable and the fix.
    pub(crate) fn checked(mut self) -> Result<Theme, ConfigError> {
        if let Some(name) = &self.name {
            let name = name.trim();
            if name.is_empty()
                || name.chars().count() > MAX_NAME_CHARS
                || name.chars().any(char::is_control)
            {
                return Err(ConfigError::InvalidValue {
                    var: "AUTH_THEME_NAME",
                    reason: format!(
                        "the app name must be 1 to {MAX_NAME_CHARS} characters of text on one line"
                    ),
                });
            }
            self.name = Some(name.to_string());
        }
        for (var, color) in [
            ("AUTH_THEME_BRAND_COLOR", &self.brand_color),
            ("AUTH_THEME_BUTTON_TEXT", &self.button_text),
        ] {
            if let Some(c) = color {
                if !is_hex_color(c) {
                    return Err(ConfigError::InvalidValue {
                        var,
                        reason: "a colour must be `#rgb` or `#rrggbb` in hex, e.g. #4f46e5".into(),
                    });
                }
            }
        }
        if let Some(logo) = &self.logo {
            self.logo = Some(logo_url(logo).map(|(url, _)| url)?);
        }
        Ok(self)
    }

    /// The pages' `Content-Security-Policy`: they load nothing and run no script, so only the
    /// logo's origin (if any) is allowed, for images. (No `form-action`: browsers apply it to the
    /// redirect to the provider that follows the sign-in form.)
    pub(crate) fn content_security_policy(&self) -> HeaderValue {
        let img_src = match self.logo.as_deref().map(logo_url) {
            Some(Ok((_, origin))) => origin,
            _ => "'none'".to_string(),
        };
        let policy = format!(
            "default-src 'none'; style-src 'unsafe-inline'; img-src {img_src}; base-uri 'none'; frame-ancestors 'none'"
        );
        HeaderValue::try_from(policy).unwrap_or_else(|_| {
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
            )
        })
    }

    /// `"{page} · {name}"`, or the page alone without a name.
    pub(crate) fn title(&self, page: &str) -> String {
        match &self.name {
            Some(name) => format!("{page} · {name}"),
            None => page.to_string(),
        }
    }

    /// The logo's alternative text: what it stands for.
    pub(crate) fn logo_alt(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} logo"),
            None => "Logo".to_string(),
        }
    }
}

/// `#rgb` or `#rrggbb`: nothing else, so that a colour cannot end the CSS rule it is put in.
fn is_hex_color(c: &str) -> bool {
    c.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The logo as written into `src`, and the CSP source that allows it: `'self'` for a same-origin
/// path, the origin of an `https://` URL.
fn logo_url(logo: &str) -> Result<(String, String), ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidValue {
        var: "AUTH_THEME_LOGO",
        reason: format!(
            "{reason}; use a same-origin path like /static/logo.svg or an https:// URL"
        ),
    };
    if logo.starts_with('/') {
        return crate::redirect::same_origin_path(logo)
            .map(|p| (p.to_string(), "'self'".to_string()))
            .ok_or_else(|| invalid("the path must start with one `/` and be plain URL text"));
    }
    let url = Url::parse(logo).map_err(|e| invalid(&format!("`{logo}` is not a URL ({e})")))?;
    if url.scheme() != "https" || url.host().is_none() {
        return Err(invalid("only https URLs are allowed"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("the URL must not carry a user name or password"));
    }
    let origin = url.origin().ascii_serialization();
    Ok((url.into(), origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex_only() {
        for ok in ["#fff", "#4F46E5", "#000000"] {
            assert!(is_hex_color(ok), "{ok}");
        }
        for bad in [
            "red",
            "#ffff",
            "#12345g",
            "fff",
            "#fff;}body{",
            "#fff</style>",
            "",
        ] {
            assert!(!is_hex_color(bad), "{bad}");
        }
    }

    #[test]
    fn the_csp_allows_exactly_the_logo_origin() {
        let csp = |t: Theme| {
            t.checked()
                .unwrap()
                .content_security_policy()
                .to_str()
                .unwrap()
                .to_string()
        };
        assert!(csp(Theme::new()).contains("img-src 'none';"));
        assert!(csp(Theme::new().logo("/logo.png")).contains("img-src 'self';"));
        assert!(
            csp(Theme::new().logo("https://cdn.example:8443/a/logo.svg"))
                .contains("img-src https://cdn.example:8443;")
        );
    }
}

//! `instructions`: drives one in-process scenario (see `hallpass_bench::inprocess`) `N` times for
//! `bench/instructions.sh`, which runs it under callgrind and counts instructions inside
//! [`measured`] only, so that start-up and warm-up are not counted.
//!
//! ```text
//! instructions <bare | site-bare | protected-small | protected-tokens | session-small | session-tokens | api-bare | bearer | api-layer | bearer-api | bearer-state | bearer-wrapped> <N>
//! ```

use hallpass_bench::inprocess::{Scenario, SCENARIOS};

fn usage() -> ! {
    eprintln!("usage: instructions <{}> <N>", SCENARIOS.join("|"));
    std::process::exit(2)
}

/// The counted part: `n` requests, each with its full response body read.
#[inline(never)]
fn measured(rt: &tokio::runtime::Runtime, scenario: &Scenario, n: u64) {
    rt.block_on(async {
        for _ in 0..n {
            std::hint::black_box(scenario.request().await);
        }
    });
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| usage());
    let n: u64 = args
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| usage());
    let scenario = Scenario::new(&name).unwrap_or_else(|| usage());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let body = rt.block_on(scenario.warm_up()).unwrap_or_else(|e| {
        eprintln!("error: {name}: {e}");
        std::process::exit(1)
    });
    measured(&rt, &scenario, n);
    println!("{name}: {n} requests, {} bytes each", body.len());
}

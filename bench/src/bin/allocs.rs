//! `allocs`: heap allocations and bytes allocated per request of every in-process scenario (see
//! `hallpass_bench::inprocess`), counted by dhat's allocator over `N` requests after a warm-up.
//!
//! ```text
//! allocs [N]        (default 1000)
//! ```
//!
//! The figure that matters is the difference to `bare`: what authentication allocates on top of
//! the page itself. `ALLOCS_PROFILE=<scenario> allocs N` instead writes `dhat-heap.json` for that
//! scenario's N requests alone (after the warm-up), with the stack of every allocation: open it in
//! dhat's viewer, or count the sites with `bench/alloc-sites.py`.

use hallpass_bench::inprocess::{Scenario, SCENARIOS};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|v| {
            v.parse().unwrap_or_else(|_| {
                eprintln!("usage: allocs [N]");
                std::process::exit(2)
            })
        })
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(name) = std::env::var("ALLOCS_PROFILE") {
        let scenario = Scenario::new(&name).unwrap_or_else(|| {
            eprintln!("ALLOCS_PROFILE: one of {}", SCENARIOS.join(", "));
            std::process::exit(2)
        });
        if let Err(e) = rt.block_on(scenario.warm_up()) {
            eprintln!("error: {name}: {e}");
            std::process::exit(1);
        }
        let _profiler = dhat::Profiler::builder().trim_backtraces(Some(40)).build();
        rt.block_on(async {
            for _ in 0..n {
                std::hint::black_box(scenario.request().await);
            }
        });
        return;
    }
    let _profiler = dhat::Profiler::builder().testing().build();
    println!("| scenario | allocations / request | bytes / request | allocations beyond bare |");
    println!("| --- | ---: | ---: | ---: |");
    let mut bare = None;
    for name in SCENARIOS {
        let scenario = Scenario::new(name).expect("a known scenario");
        if let Err(e) = rt.block_on(scenario.warm_up()) {
            eprintln!("error: {name}: {e}");
            std::process::exit(1);
        }
        let before = dhat::HeapStats::get();
        rt.block_on(async {
            for _ in 0..n {
                std::hint::black_box(scenario.request().await);
            }
        });
        let after = dhat::HeapStats::get();
        let blocks = (after.total_blocks - before.total_blocks) as f64 / n as f64;
        let bytes = (after.total_bytes - before.total_bytes) as f64 / n as f64;
        let base = *bare.get_or_insert(blocks);
        println!(
            "| {name} | {blocks:.1} | {bytes:.0} | {:+.1} |",
            blocks - base
        );
    }
}

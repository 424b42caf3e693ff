//! Network faults. `proxy`: a TCP proxy that `chaosc run` runs inside the runner for
//! each scenario whose steps name a `proxy` target; its faults act on the bytes it
//! relays (`docs/network.md`, section Proxy).

pub mod proxy;

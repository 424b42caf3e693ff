//! The evidence of a proxy fault, from the counters the relays kept while it was
//! applied. A fault on a proxy that no traffic went through shows no effect: it is
//! reported as not taken effect, with that reason.

use std::time::Duration;

use super::faults::{Spec, Stats, RTO};
use crate::inject::evidence::ProxyFault;
use crate::inject::{Evidence, Measurements};
use crate::plan::Direction;
use crate::shared::Bytes;

/// Connections around the fault.
pub struct Conns {
    pub open_at_apply: u64,
    pub accepted_during: u64,
    /// The proxy's upstream, `HOST:PORT`.
    pub upstream: String,
    /// Connections to the upstream that failed while the fault was applied.
    pub upstream_failures: u64,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Upstream => "upstream",
        Direction::Downstream => "downstream",
        Direction::Both => "both directions",
    }
}

/// Why nothing shows the fault took effect: the upstream was down (clients came, the
/// proxy could not reach it), or no client came.
fn no_traffic(what: &str, conns: &Conns) -> String {
    if conns.upstream_failures > 0 {
        return format!(
            "no traffic went through the proxy {what} while the fault was applied: its \
             upstream `{}` could not be reached ({} of {} connections failed), so nothing \
             shows the fault took effect (is the upstream running?)",
            conns.upstream, conns.upstream_failures, conns.accepted_during
        );
    }
    format!(
        "no traffic went through the proxy {what} while the fault was applied, so nothing \
         shows it took effect (do the clients connect to the proxy's listen address?)"
    )
}

/// The 99.9% interval of a binomial count (normal approximation, z = 3.29).
pub fn binomial_bound(n: u64, p: f64) -> (f64, f64) {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    ((mean - 3.29 * sd).max(0.0), mean + 3.29 * sd)
}

pub fn of(spec: &Spec, stats: &Stats, conns: &Conns, wall: Duration) -> Evidence {
    let chunks = Stats::get(&stats.chunks);
    let seen = Stats::get(&stats.bytes);
    let affected = Stats::get(&stats.affected);
    let mut m = ProxyFault {
        wall_seconds: wall.as_secs_f64(),
        chunks,
        bytes: seen,
        connections_open_at_apply: conns.open_at_apply,
        connections_accepted: conns.accepted_during,
        ..ProxyFault::default()
    };
    let holds = stats
        .hold_us
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let lates = stats
        .late_us
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let late = |q: f64| {
        if lates.is_empty() {
            0.0
        } else {
            ms(lates.value_at_quantile(q))
        }
    };
    let hold = |q: f64| {
        if holds.is_empty() {
            0.0
        } else {
            ms(holds.value_at_quantile(q))
        }
    };
    let mean_hold = if holds.is_empty() {
        0.0
    } else {
        holds.mean() / 1000.0
    };
    let (took_effect, summary) = match spec {
        Spec::Latency {
            delay,
            jitter,
            direction: d,
        } => {
            let (per, per_j) = if *d == Direction::Both {
                (*delay / 2, *jitter / 2)
            } else {
                (*delay, *jitter)
            };
            m.requested_delay_ms = Some(delay.as_secs_f64() * 1000.0);
            m.requested_jitter_ms = Some(jitter.as_secs_f64() * 1000.0);
            m.delay_per_chunk_ms = Some(per.as_secs_f64() * 1000.0);
            m.delayed_chunks = Some(affected);
            let planned_mean = if affected > 0 {
                ms(Stats::get(&stats.planned_us)) / affected as f64
            } else {
                0.0
            };
            m.planned_delay_mean_ms = Some(planned_mean);
            m.added_delay_mean_ms = Some(mean_hold);
            m.added_delay_p50_ms = Some(hold(0.5));
            m.added_delay_p99_ms = Some(hold(0.99));
            m.added_delay_max_ms = Some(hold(1.0));
            m.late_p50_ms = Some(late(0.5));
            m.late_p99_ms = Some(late(0.99));
            if affected == 0 {
                (false, no_traffic(&format!("({})", direction(*d)), conns))
            } else {
                (
                    true,
                    format!(
                        "delayed {affected} chunks ({}) by {mean_hold:.1} ms on average (p99 {:.1} ms, \
                         {:.2} ms later than drawn at p99), asked {:.1} ms ± {:.1} ms per chunk {} \
                         ({:.0} ms per round trip)",
                        Bytes(seen),
                        hold(0.99),
                        late(0.99),
                        per.as_secs_f64() * 1000.0,
                        per_j.as_secs_f64() * 1000.0,
                        if *d == Direction::Both { "each way" } else { direction(*d) },
                        delay.as_secs_f64() * 1000.0,
                    ),
                )
            }
        }
        Spec::Loss { rate, direction: d } => {
            let (lo, hi) = binomial_bound(chunks, *rate);
            m.requested_rate_percent = Some(rate * 100.0);
            m.stalled_chunks = Some(affected);
            let share = if chunks > 0 {
                affected as f64 / chunks as f64
            } else {
                0.0
            };
            m.stalled_share_percent = Some(share * 100.0);
            m.expected_stalled_low = Some(lo);
            m.expected_stalled_high = Some(hi);
            m.stall_ms = Some(RTO.as_secs_f64() * 1000.0);
            m.measured_stall_mean_ms = Some(mean_hold);
            m.measured_stall_p99_ms = Some(hold(0.99));
            // With few chunks and a low rate, no stall at all is a likely outcome.
            let none_likely = (1.0 - rate).powf(chunks as f64) > 0.001;
            if chunks == 0 {
                (false, no_traffic(&format!("({})", direction(*d)), conns))
            } else if affected == 0 && !none_likely {
                (
                    false,
                    format!(
                        "no chunk of {chunks} was stalled at a {:.1}% loss rate",
                        rate * 100.0
                    ),
                )
            } else {
                (
                    true,
                    format!(
                        "stalled {affected} of {chunks} chunks ({:.1}%, asked {:.1}%, 99.9% interval \
                         {lo:.0}–{hi:.0}) {} by {mean_hold:.0} ms on average (a {} ms retransmission timeout)",
                        share * 100.0,
                        rate * 100.0,
                        direction(*d),
                        RTO.as_millis()
                    ),
                )
            }
        }
        Spec::Bandwidth {
            bytes_per_second,
            direction: d,
        } => {
            let paced = Stats::get(&stats.paced_bytes);
            let busy = Stats::get(&stats.busy_us);
            let achieved = if busy > 0 {
                paced as f64 / (busy as f64 / 1e6)
            } else {
                0.0
            };
            m.requested_bytes_per_second = Some(*bytes_per_second);
            m.paced_bytes = Some(paced);
            m.paced_slices = Some(affected);
            m.busy_seconds = Some(busy as f64 / 1e6);
            m.achieved_bytes_per_second = Some(achieved);
            if paced == 0 {
                (false, no_traffic(&format!("({})", direction(*d)), conns))
            } else {
                (
                    true,
                    format!(
                        "paced {} {} at {} per second while busy (asked {} per second)",
                        Bytes(paced),
                        direction(*d),
                        Bytes(achieved as u64),
                        Bytes(*bytes_per_second as u64)
                    ),
                )
            }
        }
        Spec::Blackhole { direction: d } => {
            m.held_chunks = Some(chunks);
            m.held_bytes = Some(seen);
            m.released_chunks = Some(affected);
            m.longest_hold_ms = Some(hold(1.0));
            if chunks == 0 {
                (false, no_traffic(&format!("({})", direction(*d)), conns))
            } else {
                (
                    true,
                    format!(
                        "held {chunks} chunks ({}) {} without forwarding them; {} were forwarded \
                         after the revert",
                        Bytes(seen),
                        direction(*d),
                        affected
                    ),
                )
            }
        }
        Spec::Reset { rate } => {
            let decided = Stats::get(&stats.connections);
            let resets = Stats::get(&stats.resets);
            let (lo, hi) = binomial_bound(decided, *rate);
            m.requested_rate_percent = Some(rate * 100.0);
            m.connections_decided = Some(decided);
            m.connections_reset = Some(resets);
            m.reset_share_percent = Some(if decided > 0 {
                resets as f64 * 100.0 / decided as f64
            } else {
                0.0
            });
            m.expected_reset_low = Some(lo);
            m.expected_reset_high = Some(hi);
            if decided == 0 {
                (
                    false,
                    "no connection was open or opened through the proxy while the fault was \
                     applied, so nothing shows it took effect"
                        .to_string(),
                )
            } else {
                (
                    true,
                    format!(
                        "reset {resets} of {decided} connections ({:.1}%, asked {:.1}%)",
                        resets as f64 * 100.0 / decided as f64,
                        rate * 100.0
                    ),
                )
            }
        }
    };
    Evidence {
        took_effect,
        summary,
        measurements: Measurements::ProxyFault(Box::new(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_without_traffic_did_not_take_effect() {
        let spec = Spec::Latency {
            delay: Duration::from_millis(50),
            jitter: Duration::ZERO,
            direction: Direction::Both,
        };
        let conns = Conns {
            open_at_apply: 0,
            accepted_during: 0,
            upstream: "127.0.0.1:9".into(),
            upstream_failures: 0,
        };
        let e = of(&spec, &Stats::new(), &conns, Duration::from_secs(1));
        assert!(!e.took_effect);
        assert!(e.summary.contains("no traffic"), "{}", e.summary);
        assert!(
            e.summary.contains("do the clients connect"),
            "{}",
            e.summary
        );
        // Clients came but the upstream was down: the upstream is named, not the clients.
        let down = Conns {
            accepted_during: 12,
            upstream_failures: 12,
            ..conns
        };
        let e = of(&spec, &Stats::new(), &down, Duration::from_secs(1));
        assert!(!e.took_effect);
        assert!(
            e.summary.contains(
                "its upstream `127.0.0.1:9` could not be reached (12 of 12 connections failed)"
            ),
            "{}",
            e.summary
        );
    }

    #[test]
    fn the_binomial_bound_holds_the_mean() {
        let (lo, hi) = binomial_bound(1000, 0.1);
        assert!(lo < 100.0 && hi > 100.0);
        assert!((hi - 100.0 - 3.29 * 90f64.sqrt()).abs() < 1e-9);
    }
}

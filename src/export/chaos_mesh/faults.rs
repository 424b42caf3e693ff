//! One Chaos Mesh chaos spec per fault kind on a pod target (`docs/kubernetes.md` has
//! the table).

use super::yaml::{insert, int, list, map, string, string_map};
use super::{duration, Problems};
use crate::plan::{Direction, Fault, PodMode, Step, Target};
use yaml_rust2::Yaml;

/// A step as a chaos template's content.
pub struct Chaos {
    /// `templateType` (`NetworkChaos` …).
    pub kind: &'static str,
    /// The template field that holds the spec (`networkChaos` …).
    pub field: &'static str,
    pub spec: Yaml,
}

/// The selector, mode and value that every chaos kind shares.
struct Selection<'a> {
    namespace: &'a str,
    labels: &'a std::collections::BTreeMap<String, String>,
    mode: PodMode,
    container: Option<&'a str>,
}

impl Selection<'_> {
    /// `selector`, `mode` and (for counted modes) `value`, then `containerNames` when
    /// the kind takes it and a container was named.
    fn spec(&self, with_containers: bool) -> Yaml {
        let mut spec = map([
            (
                "selector",
                map([
                    ("namespaces", list([string(self.namespace)])),
                    ("labelSelectors", string_map(self.labels)),
                ]),
            ),
            ("mode", string(self.mode.as_str())),
        ]);
        if let Some(value) = self.mode.value() {
            // Chaos Mesh reads `value` as an integer (a count or whole percent).
            insert(&mut spec, "value", string(number(value.round())));
        }
        if let (true, Some(container)) = (with_containers, self.container) {
            insert(&mut spec, "containerNames", list([string(container)]));
        }
        spec
    }
}

/// The chaos for `step`, or `None` with the reason in `problems`.
pub fn chaos(step: &Step, problems: &mut Problems) -> Option<Chaos> {
    let Target::Pods {
        namespace,
        labels,
        mode,
        container,
        ..
    } = &step.target
    else {
        problems.refuse(
            step,
            format!(
                "step `{}` acts on {}, which chaos mesh cannot reach",
                step.name,
                target_words(&step.target)
            ),
            "only steps on `pods(…)` targets are exported; run this scenario with `chaosc run`",
        );
        return None;
    };
    if let Some(value) = mode.value().filter(|v| v.fract() != 0.0) {
        problems.lose(
            step,
            format!(
                "step `{}` selects {}% of the pods; chaos mesh takes whole percents, so {}%",
                step.name,
                number(value),
                number(value.round())
            ),
        );
    }
    let on = Selection {
        namespace,
        labels,
        mode: *mode,
        container: container.as_deref(),
    };
    let kind = step.fault.kind();
    let network = |action: &str, direction: Direction, detail: (&str, Yaml)| {
        let mut spec = on.spec(false);
        insert(&mut spec, "action", string(action));
        insert(&mut spec, "direction", string(direction_word(direction)));
        insert(&mut spec, detail.0, detail.1);
        spec
    };
    let (kind_name, field, spec) = match &step.fault {
        Fault::CpuStress {
            workers,
            load_percent,
        } => {
            let mut spec = on.spec(true);
            let load = load_percent.round().clamp(0.0, 100.0) as u64;
            match workers {
                Some(workers) => insert(
                    &mut spec,
                    "stressors",
                    map([(
                        "cpu",
                        map([("workers", int(u64::from(*workers))), ("load", int(load))]),
                    )]),
                ),
                // stress-ng's `--cpu 0` is one worker per CPU, as `workers: null` means.
                None => insert(
                    &mut spec,
                    "stressngStressors",
                    string(format!("--cpu 0 --cpu-load {load}")),
                ),
            }
            ("StressChaos", "stressChaos", spec)
        }
        Fault::MemoryStress {
            size_bytes,
            ramp_ms,
        } => {
            if *ramp_ms > 0 {
                problems.lose(
                    step,
                    format!(
                        "step `{}` ramps memory up over {}; chaos mesh allocates it at once",
                        step.name,
                        duration(*ramp_ms)
                    ),
                );
            }
            let mut spec = on.spec(true);
            insert(
                &mut spec,
                "stressors",
                map([(
                    "memory",
                    map([("workers", int(1)), ("size", string(bytes(*size_bytes)))]),
                )]),
            );
            ("StressChaos", "stressChaos", spec)
        }
        Fault::DiskStress {
            workers,
            path,
            size_bytes,
            sync,
        } => {
            // Chaos Mesh's own stressors have no disk writer; stress-ng's `--hdd` is
            // what chaosc's disk_stress does (write, optionally sync, delete, repeat).
            let mut stressng = format!("--hdd {workers} --hdd-bytes {size_bytes}");
            if *sync {
                stressng.push_str(" --hdd-opts fsync");
            }
            if let Some(path) = path {
                match super::literal(path) {
                    Some(dir) => stressng.push_str(&format!(" --temp-path {dir}")),
                    None => {
                        problems.refuse(
                            step,
                            format!("step `{}` writes to a path read from the environment", step.name),
                            "write the path literally: the manifest is applied without chaosc's environment",
                        );
                        return None;
                    }
                }
            }
            let mut spec = on.spec(true);
            insert(&mut spec, "stressngStressors", string(stressng));
            ("StressChaos", "stressChaos", spec)
        }
        Fault::Latency {
            delay_ms,
            jitter_ms,
            direction,
        } => {
            netem_direction(step, *direction, problems)?;
            let mut delay = map([("latency", string(ms(*delay_ms)))]);
            if *jitter_ms > 0.0 {
                insert(&mut delay, "jitter", string(ms(*jitter_ms)));
            }
            (
                "NetworkChaos",
                "networkChaos",
                network("delay", *direction, ("delay", delay)),
            )
        }
        Fault::PacketLoss {
            rate_percent,
            direction,
        } => {
            netem_direction(step, *direction, problems)?;
            let loss = map([("loss", string(number(*rate_percent)))]);
            (
                "NetworkChaos",
                "networkChaos",
                network("loss", *direction, ("loss", loss)),
            )
        }
        Fault::Bandwidth {
            bytes_per_second,
            direction,
        } => {
            netem_direction(step, *direction, problems)?;
            // tc's `bps` is bytes per second; limit and buffer are Chaos Mesh's documented
            // example values (queue 20 MiB, bucket 10 kB).
            let bandwidth = map([
                (
                    "rate",
                    string(format!("{}bps", bytes_per_second.round() as u64)),
                ),
                ("limit", int(20_971_520)),
                ("buffer", int(10_000)),
            ]);
            (
                "NetworkChaos",
                "networkChaos",
                network("bandwidth", *direction, ("bandwidth", bandwidth)),
            )
        }
        Fault::Blackhole { direction } => {
            let mut spec = on.spec(false);
            insert(&mut spec, "action", string("partition"));
            insert(&mut spec, "direction", string(direction_word(*direction)));
            ("NetworkChaos", "networkChaos", spec)
        }
        Fault::ContainerKill { signal } => {
            if on.container.is_none() {
                problems.refuse(
                    step,
                    format!(
                        "step `{}` kills a container but its pods target names none",
                        step.name
                    ),
                    "add `container: \"NAME\"` to the `pods(…)` target",
                );
                return None;
            }
            if signal != "SIGKILL" {
                problems.lose(
                    step,
                    format!(
                        "step `{}` sends {signal}; chaos mesh kills containers with SIGKILL",
                        step.name
                    ),
                );
            }
            let mut spec = on.spec(true);
            insert(&mut spec, "action", string("container-kill"));
            ("PodChaos", "podChaos", spec)
        }
        Fault::PodKill { grace_period_ms } => {
            let mut spec = on.spec(false);
            insert(&mut spec, "action", string("pod-kill"));
            insert(
                &mut spec,
                "gracePeriod",
                int(grace_period_ms.div_ceil(1000)),
            );
            ("PodChaos", "podChaos", spec)
        }
        Fault::PodFailure => {
            let mut spec = on.spec(false);
            insert(&mut spec, "action", string("pod-failure"));
            // Chaos Mesh requires a duration for pod-failure even inside a workflow.
            if let Some(length) = step.duration_ms {
                insert(&mut spec, "duration", string(duration(length)));
            }
            ("PodChaos", "podChaos", spec)
        }
        Fault::IoLatency {
            delay_ms,
            volume_path,
            path,
            percent,
        } => {
            let mut spec = on.spec(true);
            insert(&mut spec, "action", string("latency"));
            insert(&mut spec, "volumePath", string(volume_path.as_str()));
            if let Some(glob) = path {
                insert(&mut spec, "path", string(glob.as_str()));
            }
            insert(&mut spec, "delay", string(ms(*delay_ms)));
            insert(
                &mut spec,
                "percent",
                int(percent.round().clamp(0.0, 100.0) as u64),
            );
            ("IOChaos", "ioChaos", spec)
        }
        Fault::Reset { .. }
        | Fault::ContainerRestart { .. }
        | Fault::ContainerStop { .. }
        | Fault::ContainerPause
        | Fault::ProcessKill { .. }
        | Fault::ProcessPause
        | Fault::Exec { .. } => {
            problems.refuse(
                step,
                format!(
                    "`{kind}` (step `{}`) has no chaos mesh equivalent",
                    step.name
                ),
                "see docs/kubernetes.md for the faults chaos mesh can run on pods",
            );
            return None;
        }
    };
    if let (Some(container), Yaml::Hash(fields)) = (on.container, &spec) {
        if !fields.contains_key(&string("containerNames")) {
            problems.lose(
                step,
                format!(
                    "step `{}` names container `{container}`; chaos mesh's `{kind}` acts on the whole pod",
                    step.name
                ),
            );
        }
    }
    Some(Chaos {
        kind: kind_name,
        field,
        spec,
    })
}

/// Chaos Mesh's netem actions without a peer act on what the pods send; traffic they
/// only receive cannot be shaped.
fn netem_direction(step: &Step, direction: Direction, problems: &mut Problems) -> Option<()> {
    if direction == Direction::Downstream {
        problems.refuse(
            step,
            format!(
                "step `{}` shapes only traffic the pods receive, which chaos mesh cannot do without a peer",
                step.name
            ),
            "use `direction: upstream` or `both`: chaos mesh shapes what the selected pods send",
        );
        return None;
    }
    Some(())
}

/// Chaos Mesh's `direction`: `to` is what the selected pods send.
pub fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Upstream => "to",
        Direction::Downstream => "from",
        Direction::Both => "both",
    }
}

fn target_words(target: &Target) -> &'static str {
    match target {
        Target::Host => "the host",
        Target::Process { .. } => "a local process",
        Target::Container { .. } => "a docker container",
        Target::Proxy { .. } => "a chaosc proxy",
        Target::Interface { .. } => "a network interface of this host",
        Target::Pods { .. } => "kubernetes pods",
    }
}

/// A number without a needless `.0`.
fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Milliseconds as a Go duration string (`90ms`, `1.5ms`).
fn ms(value: f64) -> String {
    format!("{}ms", number(value))
}

/// Bytes as Chaos Mesh's memory size (`256MiB`, or plain bytes).
fn bytes(value: u64) -> String {
    const MIB: u64 = 1 << 20;
    const KIB: u64 = 1 << 10;
    if value > 0 && value % MIB == 0 {
        format!("{}MiB", value / MIB)
    } else if value > 0 && value % KIB == 0 {
        format!("{}KiB", value / KIB)
    } else {
        format!("{value}B")
    }
}

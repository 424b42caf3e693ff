//! The registry of diagnostic codes.
//!
//! Every code has a long explanation in `docs/errors/CODE.md`, embedded here with
//! `include_str!` so that a code without a doc does not even compile, and a fixture
//! in `tests/ui/` that produces it (checked by `tests/registry.rs`).

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: `E0201`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// The long explanation (`docs/errors/CODE.md`).
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../docs/errors/", $code, ".md")),)*
                }
            }
        }
    };
}

codes! {
    /// The text does not follow the grammar.
    Syntax = "E0101", Error;
    /// A backslash escape that the language does not have.
    InvalidEscape = "E0102", Error;
    /// A quantity with a unit the language does not know.
    UnknownUnit = "E0103", Error;
    /// A compound duration that is not in descending units, or mixes dimensions.
    BadCompoundDuration = "E0104", Error;
    /// A number too large to represent, or malformed.
    InvalidNumber = "E0105", Error;
    /// A type name that does not exist, in a `param` or template parameter.
    UnknownType = "E0106", Error;

    /// A name that is not defined in scope.
    UnknownName = "E0201", Error;
    /// The same name defined twice in one scope.
    DuplicateDefinition = "E0202", Error;
    /// Two scenarios with the same name in one run.
    DuplicateScenario = "E0203", Error;
    /// A name used where a different kind of thing is expected.
    WrongKindOfName = "E0204", Error;
    /// A call to a target, probe, fault or service kind that does not exist.
    UnknownKind = "E0205", Error;
    /// An assertion or condition on a metric that does not exist.
    UnknownMetric = "E0206", Error;
    /// A word that is not one of the allowed values (window, direction, method, signal…).
    UnknownOption = "E0207", Error;
    /// A const defined in terms of itself, directly or through others.
    ConstCycle = "E0208", Error;
    /// A name that reads as a percentile (`p0`…`p100`), so no value can refer to it.
    PercentileName = "E0209", Error;

    /// A named argument that the call does not take.
    UnknownArgument = "E0301", Error;
    /// A required argument that is not given.
    MissingArgument = "E0302", Error;
    /// The same argument given twice.
    DuplicateArgument = "E0303", Error;
    /// A positional argument where the call takes none, or after named ones.
    MisplacedArgument = "E0304", Error;
    /// Arguments that exclude each other (`every` and `rate`).
    ConflictingArguments = "E0305", Error;

    /// A value of the wrong type or dimension.
    TypeMismatch = "E0401", Error;
    /// A value outside the range its parameter allows.
    OutOfRange = "E0402", Error;
    /// A `prometheus` probe's `expect` that is not a comparison such as `"< 0.05"`.
    BadComparison = "E0403", Error;
    /// A `proxy` whose upstream is its own listen address: it would connect to itself.
    ProxyLoop = "E0404", Error;
    /// A key of an `http` probe's `json` that is not a JSON pointer (`/healthy`).
    BadJsonPointer = "E0405", Error;

    /// A fault applied to a kind of target it cannot act on.
    UnsupportedTarget = "E0501", Error;
    /// A fault on a `pods` target that Chaos Mesh has no equivalent for.
    NoChaosMeshEquivalent = "E0502", Error;
    /// `pod_kill`, `pod_failure` or `io_latency` on a target that is not `pods`.
    PodOnlyFault = "E0503", Error;
    /// A `pods` target's `mode` that does not exist, or a `value` it lacks or does not take.
    PodSelection = "E0504", Error;
    /// A value of a pods target or a pod fault read from the environment (`env(…)`).
    ClusterValueFromEnvironment = "E0505", Error;
    /// `container_kill` on a pods target without `container:`.
    ContainerKillWithoutContainer = "E0506", Error;
    /// A scenario with steps on pods and steps on this host.
    MixedEngines = "E0507", Error;
    /// A pods target's namespace, container or label that Kubernetes does not accept.
    InvalidKubernetesName = "E0508", Error;

    /// A sustained fault without `for DURATION`.
    MissingDuration = "E0601", Error;
    /// An instant action given `for DURATION`.
    UnexpectedDuration = "E0602", Error;
    /// Two faults of the same kind on the same target at the same time.
    OverlappingFaults = "E0603", Error;
    /// A timeline longer than the `max_duration` allowed.
    TimelineTooLong = "E0604", Error;
    /// An entry given twice in one block (`baseline`, `timeline`, `description`…).
    DuplicateEntry = "E0605", Error;

    /// `latency_degradation` without a baseline to compare with.
    DegradationWithoutBaseline = "E0701", Error;
    /// `steady_state` without a baseline to check it in.
    SteadyStateWithoutBaseline = "E0702", Error;
    /// A metric that the probe cannot produce.
    MetricNotProduced = "E0703", Error;
    /// Metric arguments that do not fit the metric (a percentile on `mttr`).
    BadMetricArguments = "E0704", Error;

    /// An imported file that does not exist.
    ImportNotFound = "E0801", Error;
    /// Imports that form a cycle.
    ImportCycle = "E0802", Error;
    /// A `std/…` module that the standard library does not have.
    UnknownStdModule = "E0803", Error;

    /// A template built on itself, directly or through others.
    TemplateRecursion = "E0901", Error;

    /// `${name}` naming nothing in scope.
    UnknownInterpolation = "E1001", Error;
    /// `${name}` naming a list, map, target or other value that is not text.
    NonScalarInterpolation = "E1002", Error;
    /// A string longer than 1 MiB once its interpolations are replaced.
    StringTooLong = "E1003", Error;

    /// A legacy configuration that is not YAML (or not one YAML document).
    LegacyNotYaml = "E1201", Error;
    /// A legacy key whose value has the wrong type (a string for a number, a list for a map).
    LegacyWrongType = "E1202", Error;
    /// A legacy key that must be given and is not (a scenario without `name`).
    LegacyMissingKey = "E1203", Error;
    /// A legacy scenario `type` (or `require_confirmation` entry) that does not exist.
    LegacyUnknownScenarioType = "E1204", Error;
    /// A legacy value of the right type that cannot be used (negative, out of range, inconsistent).
    LegacyInvalidValue = "E1205", Error;
    /// A legacy scenario group or environment naming a scenario that does not exist.
    LegacyUnknownScenario = "E1206", Error;
    /// A legacy key given twice in one map, or two scenarios with the same name.
    LegacyDuplicate = "E1207", Error;

    /// `--env` names no environment the program can see.
    UnknownEnvironment = "E1301", Error;
    /// `--set` names no param.
    UnknownSetting = "E1302", Error;
    /// A `--set` value that does not parse as the param's type.
    BadSetting = "E1303", Error;
    /// A param without a default that nothing gives a value.
    MissingParam = "E1304", Error;
    /// `--suite`, `--scenario` or `--tag` that selects nothing.
    EmptySelection = "E1305", Error;

    /// A target, probe, const, param, fault preset or service that nothing uses.
    Unused = "W0001", Warning;
    /// A scenario that observes nothing.
    ScenarioWithoutProbe = "W0002", Warning;
    /// A scenario whose every assertion is `warn`, so it can never fail.
    NoBlockingAssertion = "W0003", Warning;
    /// A scenario-local name that hides a file-level one.
    Shadowing = "W0004", Warning;
    /// A destructive fault in a file whose safety block limits no targets.
    DestructiveWithoutAllowTargets = "W0005", Warning;
    /// A `proxy` listening on every interface (`0.0.0.0`, `[::]`).
    ProxyOnAllInterfaces = "W0006", Warning;
    /// A step that Chaos Mesh cannot run: `chaosc export chaos-mesh` leaves its scenario out.
    NotExportable = "E1401", Error;
    /// Something exported with a loss (a probe, an abort, a setting) that Chaos Mesh cannot express.
    NotExported = "W1401", Warning;

    /// A key the legacy importer does not know.
    LegacyUnknownKey = "W1201", Warning;
    /// A legacy setting that is understood but not imported, or imported differently.
    LegacyNotHonoured = "W1202", Warning;
    /// A legacy configuration without any blocking threshold: its scenarios can never fail.
    LegacyNoBlockingThreshold = "W1203", Warning;
}

impl Code {
    /// Looks a code up by its printed form, ignoring case.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The first line of the explanation, without its heading marks.
    pub fn summary(self) -> &'static str {
        self.explanation()
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim_start_matches('#').trim())
            .unwrap_or("")
    }
}

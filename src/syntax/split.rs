//! Splitting a large file at top-level items, so that its pieces can be parsed on
//! several cores.
//!
//! A piece starts at a line that begins, outside brackets, strings and comments
//! (`comments::scan` finds those lines), with the keyword of a top-level item. Why
//! parsing the pieces one by one gives the tree of the whole file: a PEG parse of the
//! text from a position depends only on that text, so when every piece parses on its
//! own as `item* EOI`, the whole file's parse starts an item at each piece's start,
//! unless an item of the piece before could go on past it. No top-level item can go on
//! with a keyword of another item at the start of the next line: after a complete item
//! the grammar may only continue with `as` (an import's alias), `=`, `{` or `(`, and
//! atomic tokens never run across a line break. So [`super::parse`] takes the pieces'
//! items in order when every piece parses, and parses the whole file again otherwise
//! (a syntax error is then reported exactly as for the whole file).

/// Below this many bytes per piece a thread costs more than it saves.
const MIN_PIECE: usize = 256 * 1024;

/// About how many bytes of source one piece holds when a large file is parsed in
/// pieces. Small pieces keep each parse's token queue (some 40 bytes per token,
/// several tokens per word) in the cache and free it soon: on the 8 MB benchmark file
/// 64 kB pieces parse faster than one piece per core, and use less memory.
const PIECE: usize = 64 * 1024;

/// How many pieces to parse `len` bytes of source in (see [`PIECE`]); 1 when the file
/// is not worth sharing among threads.
pub fn pieces_for(len: usize) -> usize {
    if threads_for(len) == 1 {
        1
    } else {
        len / PIECE
    }
}

/// How many threads to share the work on `len` bytes of source among: one per core
/// (at most 8), each with at least [`MIN_PIECE`] bytes. The formatter uses it too.
pub fn threads_for(len: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(8).min(len / MIN_PIECE).max(1)
}

/// `work(0)` … `work(jobs - 1)` shared among `threads` threads (this one included),
/// each taking the next job when it finishes one; results in order. A `work` that
/// panics (a bug) panics here.
pub fn on_workers<T: Send>(
    threads: usize,
    jobs: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let job = next.fetch_add(1, Ordering::Relaxed);
            if job >= jobs {
                return done;
            }
            done.push((job, work(job)));
        }
    };
    let mut results: Vec<Option<T>> = (0..jobs).map(|_| None).collect();
    for (job, result) in on_threads(threads.clamp(1, jobs.max(1)), |_| worker())
        .into_iter()
        .flatten()
    {
        results[job] = Some(result);
    }
    results
        .into_iter()
        .map(|r| r.expect("every job is taken once"))
        .collect()
}

/// `work(0)` … `work(n - 1)`, each on its own thread (the first on this one), results
/// in order. A `work` that panics (a bug) panics here.
pub fn on_threads<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let work = &work;
    std::thread::scope(|scope| {
        let others: Vec<_> = (1..n).map(|k| scope.spawn(move || work(k))).collect();
        let mut results = Vec::with_capacity(n);
        if n > 0 {
            results.push(work(0));
        }
        results.extend(others.into_iter().map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        results
    })
}

/// Whether `line` (the text from a line start on) begins with an item keyword.
fn starts_item(line: &[u8]) -> bool {
    super::ITEM_KEYWORDS.iter().any(|kw| {
        line.starts_with(kw.as_bytes())
            && line
                .get(kw.len())
                .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
    })
}

/// The start offsets of about `pieces` pieces of `text` of similar size, the first
/// always 0; `top_level_lines` are the candidate line starts, in order.
pub fn piece_starts(text: &str, top_level_lines: &[usize], pieces: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut next = 0;
    for k in 1..pieces {
        let target = text.len() / pieces * k;
        next += top_level_lines[next..].partition_point(|&at| at < target);
        while let Some(&at) = top_level_lines.get(next) {
            next += 1;
            if at > *starts.last().expect("starts with 0") && starts_item(&bytes[at..]) {
                starts.push(at);
                break;
            }
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_keywords_are_the_items_of_the_grammar() {
        let grammar = include_str!("../../grammar/chaos.pest");
        let rule = grammar
            .split("\nitem = _{")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .expect("the `item` rule");
        let mut items: Vec<&str> = rule
            .split('|')
            .map(|alt| {
                let alt = alt.trim();
                alt.strip_suffix("_item")
                    .or_else(|| alt.strip_suffix("_block"))
                    .unwrap_or(alt)
            })
            .collect();
        let mut keywords = super::super::ITEM_KEYWORDS.to_vec();
        items.sort_unstable();
        keywords.sort_unstable();
        assert_eq!(items, keywords);
    }

    #[test]
    fn workers_do_every_job_once_and_give_results_in_order() {
        let counts: Vec<std::sync::atomic::AtomicUsize> = (0..37).map(|_| 0.into()).collect();
        for threads in [1, 2, 3, 64] {
            let results = on_workers(threads, counts.len(), |job| {
                counts[job].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                job * 10
            });
            assert_eq!(results, (0..37).map(|j| j * 10).collect::<Vec<_>>());
        }
        assert!(counts
            .iter()
            .all(|c| c.load(std::sync::atomic::Ordering::Relaxed) == 4));
        assert!(on_workers(2, 0, |job| job).is_empty());
    }

    #[test]
    fn pieces_start_at_top_level_item_keywords_only() {
        let text = "const a = 1\n  const b = 2\nconstant\nscenario \"s\" {\nslo { }\n}\n// x\nprobe p = tcp(\"a:1\")\n\"\nfault\"\n";
        let scan = crate::syntax::comments::scan(text);
        let starts = piece_starts(text, &scan.top_level_lines, 64);
        let at: Vec<&str> = starts
            .iter()
            .map(|&s| text[s..].lines().next().unwrap())
            .collect();
        assert_eq!(
            at,
            ["const a = 1", "scenario \"s\" {", "probe p = tcp(\"a:1\")"]
        );
    }
}

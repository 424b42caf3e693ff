//! The pull-request comment (`chaosc report DIR --format comment`): shorter than the job
//! summary (the verdict, the scenario table, the blocking assertions that did not pass,
//! a link to the run's artifacts), within GitHub's 65 536 characters for a comment,
//! and starting with a hidden marker by which a workflow finds its earlier comment to
//! update it instead of adding one on every push.

use super::github::{self, Links};
use super::markdown;
use super::results::RunResults;

/// The first line of every comment: an HTML comment GitHub does not show.
pub const MARKER: &str = "<!-- chaosc-report -->";

/// GitHub refuses a comment longer than this many characters; the comment is kept
/// within as many bytes, which is never more characters.
pub const COMMENT_LIMIT: usize = 65_536;

pub fn render(results: &RunResults, run_url: Option<&str>) -> String {
    let mut out = format!("{MARKER}\n");
    github::heading(&mut out, results, "###");
    markdown::scenario_table(&mut out, results);
    github::not_passed(&mut out, results, false);
    out.push_str(&github::render_links(&Links {
        report_dir: None,
        run_url,
    }));
    github::cap(out, COMMENT_LIMIT)
}

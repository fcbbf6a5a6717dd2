// Package stats computes reliability figures from archived incidents: how
// many, how long, how available, and from what. It is pure: no storage, no
// clock (the caller passes Now), no logging. Every figure says which
// duration source and which method it came from. docs/stats.md explains
// the methods for readers of the output.
//
// # How long an incident lasted
//
// SpanOf tries, in order:
//
//  1. stated-window: a window the vendor states in an update's words.
//     Recognised phrasings: "From 13:35 UTC to 14:24 UTC", "From 8:58 to
//     10:02 UTC", "Between 14:40 and 14:53 UTC", "between 2:50pm – 5:18pm
//     PT" (hyphen, en or em dash, "to", "and", "until", "through"), and an
//     end alone: "returned to normal at 11:02am PT" (also "back to
//     normal", "recovered", "resolved", "restored", "mitigated",
//     "subsided", "ended" followed by "at", "as of" or "by"). Clocks are
//     24-hour or 12-hour ("2:50pm", "11:02 a.m.", "5pm"); a start without
//     a meridiem borrows the end's. A zone must be written at one end at
//     least and applies to both. The words accepted are UTC, GMT,
//     PT/PST/PDT, MT, CT, ET, BST, WET, CET, EET (and their summer forms),
//     JST, KST, SGT, AEST/AEDT and NZST/NZDT, read as parser.ZoneTime reads
//     them: a named standard or summer abbreviation fixes its own offset
//     ("PST" written in July is UTC-8), the generic PT, MT, CT and ET take
//     the offset their zone's rules give on the date. When one end has an
//     accepted zone, an unknown word at the other is plain text ("From
//     13:35 UTC to 14:24 API calls failed"); with none at either end, any
//     other zone word (IST, AST are ambiguous), or none, rejects the
//     window: we never guess. A date written with the window ("on
//     2026-07-30 between ...", "On July 30th, from ...", "... UTC on Jun
//     22") is used as written; a date without a year takes the post's
//     year, or the year before when that would put it more than a day
//     after the post. Otherwise the date is the
//     calendar date, in the window's zone, of the post that states it,
//     and a window that would then end after that post is moved to the
//     day before. Posts in the scheduled state announce plans, not what
//     happened: their windows are not read. An end clock earlier than the start clock
//     crosses midnight if that makes the window at most MidnightCross.
//     An end alone starts at the page's started field when it is earlier,
//     else at the first post.
//     A window is rejected (and the reason kept in Span.Rejected) when it
//     is empty or ends before it starts, ends after the post stating it,
//     ends after the resolving post of a resolved incident, starts more
//     than WindowLead before the first post, or lasts longer than the
//     first-to-resolving-post timeline plus WindowSlack. Posts are tried
//     resolving and postmortem ones first, then the others, latest first;
//     the first window that fits wins.
//  2. started-resolved: the page's started and resolved fields, when it
//     gives both and resolved is not before started.
//  3. updates: the first update to a resolving time. A stated resolved
//     time (the page's resolved field without a started one) after the
//     first update wins, being the vendor's own statement; else the latest
//     resolved or completed update (a postmortem posted days later does
//     not lengthen the incident); else the latest update.
//  4. none: a single update, or updates all at one instant, and nothing
//     stated. Such an incident is counted but has no duration: it adds
//     nothing to downtime and is left out of time-to-resolve. We never
//     invent one.
//
// # Unresolved incidents
//
// An incident is resolved when its status (or, if it has none, its latest
// update's) is resolved, completed or postmortem, or when the page gives a
// resolved time. Otherwise it is open, unless a stated window gives its
// end (the vendor says the impact is over while it keeps monitoring).
// An open incident starts at its started field or first post; in Compute
// it runs until Options.Now, or the window's end if earlier, and counts in
// downtime and availability up to there. With neither it adds nothing. Open
// incidents are never part of time-to-resolve or Longest. Summary.Open
// counts them.
//
// # The window
//
// Options.Since and Until bound the window [Since, Until). Without Since
// it starts at the source's oldest incident; without Until it ends at
// Options.Now or, with no Now either, at the source's newest post, which is
// then inside the window. An incident is in the window when its span
// starts inside it, and then counts with its
// whole duration (it is not clipped), in the calendar month (UTC) it
// starts. Months in the window is the window's length in days divided by
// DaysPerMonth (30.4375, the mean Gregorian month); incidents per month
// divide by it. Maintenance (kind maintenance or impact maintenance) is
// counted apart and left out of every other figure. An incident with no
// time at all (a history entry listing no updates) is counted as Undated
// and left out.
//
// # Downtime and availability
//
// Downtime is the plain sum of durations; DowntimeUnion counts time under
// overlapping incidents once. Availability is 100 × (1 − W / window),
// where W integrates, over time, the heaviest weight among the incidents
// in progress: unweighted weighs every incident 1; statuspage weighs major
// and critical 1, minor 0.3, none and maintenance 0, and an impact the
// page does not give 1 (so that we never understate what we cannot
// classify; Summary.UnknownImpact says how many); custom takes the weights
// from Options.Weights.
//
// # Coverage
//
// Coverage.Oldest is the earliest incident start archived for a source and
// Newest its latest post. The window is covered when Options.CompleteSince
// (how far back the archive holds the source's complete history) or, in
// its absence, Oldest is at or before the window's start. When it is not,
// Coverage.Note says by how much and that the figures undercount.
package stats

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
//     The parser reads the windows once, when it parses the page, into
//     parser.Update.Stated (see parser.Window for the phrasings, zones and
//     dates it reads, and docs/stats.md); this package only judges them
//     against the incident and never reads the text itself. Posts in the
//     scheduled state, and windows the post announces ahead ("tonight
//     from 22:00 - 22:20 PST"), are plans, not what happened: not used.
//     An end alone starts at the page's started field when it is earlier,
//     else at the first post.
//     A window is rejected (and the reason kept in Span.Rejected) when the
//     parser could not place it (no zone, a zone we do not guess), it is
//     empty, ends after the post stating it, ends after the resolving post
//     of a resolved incident, starts more than WindowLead before the first
//     post, or lasts longer than the first-to-resolving-post timeline plus
//     WindowSlack. When the page gives started and resolved fields, a
//     window must also agree with them: start no later than FieldsMargin
//     after the started field, and end within FieldsMargin of the resolved
//     field or of the first post reporting recovery (monitoring or
//     resolved). One that does not is set aside for the fields and named
//     in Span.Disagreement (Summary.Disagreements counts them). Posts are
//     tried resolving and postmortem ones first, then the others, latest
//     first; the first window that fits wins.
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
// it runs until the archive last saw it open (Observed.LastSeen, else its
// latest post) under OpenUntilLastSeen, the default, or until Options.Now
// under OpenUntilNow; never past the window's end. It counts in downtime
// and availability up to there, and Summary.OpenDowntime says how much of
// the downtime open incidents make. With no end it adds nothing. Open
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

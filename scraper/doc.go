// Package scraper fetches status pages politely and returns them raw. It is
// the only package that imports colly; it never parses records and never
// stores anything. The caller parses inside Crawl's visit function, outside
// any colly callback.
//
// A Fetcher is made per run with New(DefaultOptions(), logger): it holds a
// fresh colly collector (a reused one remembers visited URLs and fetches
// nothing on later runs), the run's robots.txt verdicts and per-host timing.
// A process with many sources shares one Gate (per-host timing and
// Retry-After holds) and one RobotsCache across its fetchers through
// Options. Fetch gets one page; Crawl follows the requests its visit
// function returns, reporting its counts to Options.Progress. Close the
// Fetcher when the run ends.
//
// # Politeness defaults, and why
//
//   - User-Agent "statusarchive/<version> (+https://github.com/statusarchive/statusarchive)",
//     and a From header when Options.From is set (RFC 9110 §10.1.2): an
//     operator who sees our traffic can tell who we are and reach us.
//   - robots.txt is respected (colly ignores it by default). It is fetched
//     once per site per run with our User-Agent, under the same per-host
//     budget as pages, reading at most 500 KiB and following at most 5
//     redirects (RFC 9309 §2.3.1.2, §2.5). 2xx: its rules apply, the group
//     naming "statusarchive" first, else "*"; 4xx: everything is allowed;
//     5xx or no answer: everything is disallowed (§2.3.1.4; colly treats a
//     5xx as allow). Options.Robots shares verdicts across runs for 24 hours
//     (§2.4); only definite answers are shared, so a robots.txt that was
//     down is asked again next run; fetchers sharing the cache wait for one
//     fetch of a site's robots.txt rather than each asking. A Crawl-delay
//     for our group longer than the delay is honoured, up to
//     MaxCrawlDelay (1 min).
//   - One request in flight per host:port, and 1 s plus up to 0.5 s at
//     random between the end of one request and the start of the next,
//     robots.txt included; SetDelay scales the jitter with the delay (half
//     of it), so a 1 ms delay waits at most 1.5 ms. Status pages are small;
//     a run of a few pages per vendor takes seconds, and a vendor's site
//     never sees a burst from us. The budget lives in a Gate: a daemon
//     shares one across all its sources (Options.Gate), so a thousand
//     sources on one host wait their turn like the pages of one source.
//   - 20 s per request, dial to last byte: a stalled or dripping server is
//     abandoned rather than holding the run.
//   - 8 MiB per body, counted after decompression, read to cap+1: a larger
//     body is ErrBodyTooLarge, never a silently truncated page (colly cuts at
//     MaxBodySize without a word, and checks its cap before gunzipping, so
//     a gzip bomb gets through it: gocolly/colly#923). The transport decodes
//     gzip and deflate itself under the cap whatever Accept-Encoding was
//     sent, and refuses other content codings.
//   - 2 retries of 408, 429 and 5xx, waiting 1 s then 2 s (plus up to half
//     again at random), or the server's Retry-After in seconds or as an
//     HTTP-date when it sends one. A Retry-After above 60 s fails the fetch
//     with ErrRetryAfterTooLong instead of sleeping: a CLI run should not
//     hang. Either way the Gate holds the host until then: every fetcher
//     sharing it fails at once with a *HeldError (ErrHostHeld) instead of
//     asking, and Gate.OnHold lets the caller keep the hold across
//     restarts (the daemon keeps it in the archive). Other 4xx and network
//     errors are not retried.
//   - At most 5 redirects, each on the first URL's site (its registrable
//     domain; for an IP address or localhost, the same host:port). The hop
//     off-site is refused before any connection is made.
//   - No request reaches inside the network (server-side request forgery):
//     the default transport dials through a Guard, which resolves the host
//     itself and refuses, in net.Dialer.Control, loopback, private
//     (10/8, 172.16/12, 192.168/16), link-local (169.254/16 with the cloud
//     metadata address, fe80::/10), unique-local (fc00::/7), CGNAT
//     (100.64/10), unspecified, multicast and reserved addresses, and IPv4
//     carried in IPv6 (mapped, compatible, NAT64, 6to4) of these. It
//     applies to redirects and to every name, and odd IP spellings
//     (0x7f.1, 2130706433, 0177.0.0.1, 127.1) are normalised first. A
//     loopback address written plainly in the URL (http://127.0.0.1:8080/,
//     [::1], localhost) is the user's explicit choice: allowed and logged
//     once. Options.AllowPrivateNetworks lets everything through but cloud
//     metadata endpoints, which hand out credentials and are never a
//     status page (ErrPrivateAddress otherwise).
//   - At most 50 pages per Crawl; hitting the cap sets Result.CapHit and is
//     logged as "page cap hit". Crawl follows only same-site URLs, each once.
//   - Conditional GET: a Request with ETag or LastModified sends
//     If-None-Match / If-Modified-Since, and a 304 comes back as a Page with
//     NotModified set, not as an error. A 304 nobody asked for is an error.
//
// # What a Page is
//
// Page.Body holds the bytes as served, decompressed but not re-encoded:
// colly's charset conversion is bypassed, so the parser sees the original
// bytes and the original Content-Type and decides what they are (HTML, JSON,
// a feed, or something it must reject). file:// URLs and plain local paths
// are read from disk with the same cap, for saved pages and the demo.
//
// # Errors
//
// Every Fetch error is a *FetchError naming the URL. Non-2xx answers are an
// *HTTPError (Status, RetryAfter) matching ErrHTTPStatus. Sentinels say
// what went wrong: ErrBodyTooLarge, ErrRobotsDisallowed,
// ErrRobotsUnreachable, ErrOffSite, ErrTooManyRedirects,
// ErrRetryAfterTooLong, ErrHostHeld, ErrTimeout, ErrUnsupportedEncoding,
// ErrPrivateAddress, ErrCredentials,
// ErrUnsupportedScheme. A cancelled context comes back as the context's
// error, so Ctrl-C is not mistaken for a timeout.
package scraper

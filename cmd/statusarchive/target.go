package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// target turns what the user typed into a URL the scraper takes: a URL as
// it is, an existing file as a path, and a bare host name
// ("status.workos.com") as https.
func target(arg string) string {
	if strings.Contains(arg, "://") {
		return arg
	}
	if _, err := os.Stat(arg); err == nil {
		return arg
	}
	host, _, _ := strings.Cut(arg, "/")
	if strings.Contains(host, ".") && !strings.HasPrefix(arg, ".") && !strings.ContainsAny(host, `\`) {
		return "https://" + arg
	}
	return arg
}

// sourceName derives a source name from a start URL or path when none is
// given: the host (with its port) for a URL, the file name for a path.
func sourceName(target string) string {
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		return strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	}
	base := filepath.Base(strings.TrimPrefix(target, "file://"))
	return strings.TrimSuffix(base, filepath.Ext(base))
}

package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// maxLogString bounds every string a server log record carries (its
// message, each attribute value, each error's text): a client controls
// paths, names and error texts that quote them, and a 60 KB path must not
// become a 60 KB log line.
const maxLogString = 1024

// redacted replaces a credential in a log record.
const redacted = "[redacted]"

// credentialKeys are attribute keys (compared case-insensitively) and
// HTTP header names whose values are never logged.
var credentialKeys = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "password", "token"}

// boundedHandler is the handler every log of the server goes through
// (New installs it in front of the configured one): it truncates long
// strings with a marker and never passes a credential on — an attribute
// named like one is redacted, an http.Header loses its credential headers
// and an *http.Request is reduced to its method and path. So no code
// path can log the Authorization header or a whole hostile path, whatever
// it hands the logger.
type boundedHandler struct{ next slog.Handler }

func newBoundedLogger(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(boundedHandler); ok {
		return l
	}
	return slog.New(boundedHandler{l.Handler()})
}

func (h boundedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h boundedHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, truncateLog(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(sanitizeAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h boundedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = sanitizeAttr(a)
	}
	return boundedHandler{h.next.WithAttrs(clean)}
}

func (h boundedHandler) WithGroup(name string) slog.Handler {
	return boundedHandler{h.next.WithGroup(truncateLog(name))}
}

// sanitizeAttr bounds and redacts one attribute (groups recursively).
func sanitizeAttr(a slog.Attr) slog.Attr {
	a.Key = truncateLog(a.Key)
	if isCredentialKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, truncateLog(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]slog.Attr, len(g))
		for i, ga := range g {
			clean[i] = sanitizeAttr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case http.Header:
			return slog.String(a.Key, truncateLog(fmt.Sprint(redactHeader(x))))
		case *http.Request:
			return slog.String(a.Key, truncateLog(x.Method+" "+x.URL.Path))
		case error:
			return slog.String(a.Key, truncateLog(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, truncateLog(x.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func isCredentialKey(k string) bool {
	for _, c := range credentialKeys {
		if strings.EqualFold(k, c) {
			return true
		}
	}
	return false
}

// redactHeader returns h with the values of credential headers replaced.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	for k := range out {
		if isCredentialKey(k) {
			out[k] = []string{redacted}
		}
	}
	return out
}

// truncateLog cuts s to maxLogString bytes.
func truncateLog(s string) string { return truncate(s, maxLogString) }

// truncate cuts s to n bytes (at a UTF-8 boundary) and says how much it
// dropped.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // not in the middle of a rune
		cut--
	}
	return fmt.Sprintf("%s…[truncated %d bytes]", s[:cut], len(s)-cut)
}

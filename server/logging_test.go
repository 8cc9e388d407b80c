package server

import (
	"bufio"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/azgate/azgate/internal/testproc"
)

// TestServer_LogsHoldNoCredentialsAndNoWholeHostilePaths captures every log
// record the server writes (debug level) while requests carry credentials
// in every shape and 60 KB paths and names.
func TestServer_LogsHoldNoCredentialsAndNoWholeHostilePaths(t *testing.T) {
	var logs testproc.Buffer
	ts := startServer(t, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	const (
		rawSecret   = "s3cr3tRawCredentialWithoutScheme"
		wrongPass   = "wrong-password-SECRET"
		tokenSecret = "azg_SECRETTOKENVALUE"
	)
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + wrongPass))
	for _, h := range []string{rawSecret, "Basic " + basic, "Bearer " + tokenSecret, "Digest " + rawSecret,
		"Basic" + basic, "Token " + rawSecret} {
		r := ts.do(cred{}, http.MethodGet, "/v1/me", nil, "Authorization", h)
		want(t, r, http.StatusUnauthorized, "me with "+h)
		for _, secret := range []string{rawSecret, basic, wrongPass, tokenSecret} {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("the 401 answer quotes the credential: %s", r.body)
			}
		}
	}
	long := strings.Repeat("p", 60<<10)
	want(t, ts.do(cred{}, http.MethodGet, "/"+long, nil), http.StatusNotFound, "60 KB path")
	want(t, ts.do(admin, http.MethodGet, "/v1/vms/"+long, nil), http.StatusNotFound, "60 KB VM name")
	want(t, ts.do(admin, http.MethodPost, "/v1/vms", map[string]any{"name": long, "memoryMB": 1, "processors": 1}),
		http.StatusBadRequest, "60 KB VM name in a body")

	out := logs.String()
	if out == "" {
		t.Fatal("no logs captured")
	}
	for _, secret := range []string{rawSecret, basic, wrongPass, tokenSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the credential %q", secret)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	truncated := false
	for sc.Scan() {
		line := sc.Text()
		if len(line) > 8<<10 {
			t.Errorf("log line of %d bytes: %.200s", len(line), line)
		}
		truncated = truncated || strings.Contains(line, "[truncated ")
	}
	if !truncated {
		t.Error("no log line says it was truncated")
	}
}

func TestBoundedHandler(t *testing.T) {
	var logs testproc.Buffer
	log := newBoundedLogger(slog.New(slog.NewJSONHandler(&logs, nil)))
	hdr := http.Header{"Authorization": {"Basic c2VjcmV0"}, "Cookie": {"session=secret"}, "Accept": {"text/plain"}}
	req, _ := http.NewRequest(http.MethodGet, "http://x/path", nil)
	req.Header.Set("Authorization", "Bearer secret")
	long := strings.Repeat("é", 2000) // 4000 bytes
	log.With("authorization", "Bearer secret").WithGroup("g").Info(long,
		"header", hdr, "request", req, "Password", "secret", "err", errors.New(long),
		slog.Group("sub", "token", "secret", "v", long), "n", 7)
	out := logs.String()
	if strings.Contains(out, "secret") {
		t.Errorf("a credential was logged: %s", out)
	}
	for _, w := range []string{`Accept:[text/plain]`, `GET /path`, `[truncated 2976 bytes]`, `"n":7`} {
		if !strings.Contains(strings.ReplaceAll(out, `\"`, `"`), w) {
			t.Errorf("log lacks %s: %s", w, out)
		}
	}
	if len(out) > 8*maxLogString {
		t.Errorf("log record of %d bytes", len(out))
	}
}

package console

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// cookieName is the session cookie.
const cookieName = "azgate_console"

// session is one signed-in browser.
type session struct {
	id       string
	user     string // the name the user signed in with
	client   directory.ClientContext
	lastSeen time.Time

	// mu guards the what-if stage.
	mu    sync.Mutex
	stage *stage
}

// stage is the what-if staging area: edits not yet saved, and the
// revision they were staged against.
type stage struct {
	base  policy.Revision
	edits []stagedEdit
}

// sessions holds the signed-in sessions. Only a successful sign-in adds
// one, so a caller without credentials cannot grow it; it is bounded in
// total and per user (the least recently used goes first), and a session
// idle for longer than idle is gone.
type sessions struct {
	idle    time.Duration
	max     int
	perUser int
	now     func() time.Time

	mu   sync.Mutex
	byID map[string]*session
}

func newSessions(idle time.Duration, max, perUser int) *sessions {
	return &sessions{idle: idle, max: max, perUser: perUser, now: time.Now, byID: map[string]*session{}}
}

// create adds a session for a signed-in user.
func (ss *sessions) create(user string, c directory.ClientContext) (*session, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	now := ss.now()
	s := &session{id: base64.RawURLEncoding.EncodeToString(b[:]), user: user, client: c, lastSeen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	var mine []*session
	for _, o := range ss.byID {
		if names.Equal(o.user, user) {
			mine = append(mine, o)
		}
	}
	if len(mine) >= ss.perUser {
		delete(ss.byID, oldest(mine).id)
	}
	if len(ss.byID) >= ss.max {
		all := make([]*session, 0, len(ss.byID))
		for _, o := range ss.byID {
			all = append(all, o)
		}
		delete(ss.byID, oldest(all).id)
	}
	ss.byID[s.id] = s
	return s, nil
}

func oldest(ss []*session) *session {
	o := ss[0]
	for _, s := range ss[1:] {
		if s.lastSeen.Before(o.lastSeen) {
			o = s
		}
	}
	return o
}

// expireLocked drops the sessions idle for too long.
func (ss *sessions) expireLocked(now time.Time) {
	for id, s := range ss.byID {
		if now.Sub(s.lastSeen) > ss.idle {
			delete(ss.byID, id)
		}
	}
}

// get returns the session of the request's cookie and marks it used, or
// nil when there is none or it expired.
func (ss *sessions) get(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return nil
	}
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[ck.Value]
	if s == nil {
		return nil
	}
	if now.Sub(s.lastSeen) > ss.idle {
		delete(ss.byID, s.id)
		return nil
	}
	s.lastSeen = now
	return s
}

// drop ends a session.
func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byID)
}

// setCookie sends the session cookie: HttpOnly, SameSite=Strict, Secure
// under TLS, for the console's path only. Its lifetime is the browser's;
// the server ends it after the idle time.
func setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

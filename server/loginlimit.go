package server

import (
	clist "container/list"
	"crypto/sha256"
	"net"
	"sync"
	"time"

	namerule "github.com/azgate/azgate/internal/names"
)

// Failed HTTP Basic logins are rate-limited per client address, and per
// account from each client address, each by a token bucket: a client
// address may fail Config.LoginFailuresPerClient times in a row and then
// once more every clientRefill; for one account it may fail
// LoginFailuresPerAccount times and then once more every accountRefill. A
// login that would exceed either budget is refused (429 with Retry-After)
// before its password is checked, a right password from that address
// included; a successful login costs nothing.
//
// The account budget is kept per (account, address), not per account: a
// budget shared by all addresses let anyone lock the owner out with one
// wrong password every accountRefill. So failures elsewhere never refuse
// the owner's right password. A guesser still gets only the account's
// budget per address, the bcrypt slots (GOMAXPROCS at once) bound the
// checks of all addresses together, and API tokens are not limited (they
// cannot be guessed).
const (
	clientRefill  = 3 * time.Second
	accountRefill = 30 * time.Second
	// maxLimited bounds the clients and the accounts remembered; beyond it
	// the least recently seen is forgotten (its budget starts full again),
	// so nobody can grow the tables without bound.
	maxLimited = 10000
)

// loginLimiter holds the failed-login budgets: by client address, and by
// account and client address.
type loginLimiter struct {
	clients, accounts *buckets
}

func newLoginLimiter(perClient, perAccount int) *loginLimiter {
	return &loginLimiter{
		clients:  newBuckets(clientRefill, perClient, maxLimited),
		accounts: newBuckets(accountRefill, perAccount, maxLimited),
	}
}

// begin takes one failure from the budgets of the client address and of
// the account from that address. ok false means one of them is spent
// (nothing is taken): retry says when the next attempt may come. Otherwise
// end must be called with the outcome; a success gives both back.
func (l *loginLimiter) begin(remoteAddr, user string) (end func(failed bool), retry time.Duration, ok bool) {
	now := time.Now()
	ck := addrKey(remoteAddr)
	ak := ck + "\x00" + accountKey(user)
	if retry, ok := l.clients.take(ck, now); !ok {
		return nil, retry, false
	}
	if retry, ok := l.accounts.take(ak, now); !ok {
		l.clients.refund(ck)
		return nil, retry, false
	}
	return func(failed bool) {
		if !failed {
			l.clients.refund(ck)
			l.accounts.refund(ak)
		}
	}, 0, true
}

// addrKey is the budget key of a client address: its IP, an IPv6 address
// by its /64 (one host usually holds a whole /64).
func addrKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		ip = ip.Mask(net.CIDRMask(64, 128))
	}
	return ip.String()
}

// accountKey is the budget key of a user name: a hash of its one folded
// spelling (names.Key), fixed in size whatever the name's length.
func accountKey(user string) string {
	h := sha256.Sum256([]byte(namerule.Key(user)))
	return string(h[:])
}

// buckets are token buckets by key — each holds up to burst tokens and
// regains one every refill — at most max of them: the least recently used
// is dropped first (it starts full when it comes back).
type buckets struct {
	refill time.Duration
	burst  float64
	max    int

	mu    sync.Mutex
	order *clist.List // of *bucket, most recently used first
	byKey map[string]*clist.Element
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time // when tokens was right
}

func newBuckets(refill time.Duration, burst, max int) *buckets {
	return &buckets{refill: refill, burst: float64(burst), max: max, order: clist.New(), byKey: map[string]*clist.Element{}}
}

// take spends a token of key's bucket; without one it spends nothing and
// says how long until there is one.
func (b *buckets) take(key string, now time.Time) (retry time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.get(key, now)
	if now.After(bk.at) {
		bk.tokens = min(b.burst, bk.tokens+float64(now.Sub(bk.at))/float64(b.refill))
		bk.at = now
	}
	if bk.tokens < 1 {
		return time.Duration((1 - bk.tokens) * float64(b.refill)), false
	}
	bk.tokens--
	return 0, true
}

// refund gives a token back to key's bucket (if it is still kept).
func (b *buckets) refund(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.byKey[key]; ok {
		bk := e.Value.(*bucket)
		bk.tokens = min(b.burst, bk.tokens+1)
	}
}

// get returns key's bucket, a full new one if there is none; b.mu is held.
func (b *buckets) get(key string, now time.Time) *bucket {
	if e, ok := b.byKey[key]; ok {
		b.order.MoveToFront(e)
		return e.Value.(*bucket)
	}
	if b.order.Len() >= b.max {
		last := b.order.Back()
		b.order.Remove(last)
		delete(b.byKey, last.Value.(*bucket).key)
	}
	bk := &bucket{key: key, tokens: b.burst, at: now}
	b.byKey[key] = b.order.PushFront(bk)
	return bk
}

func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.order.Len()
}

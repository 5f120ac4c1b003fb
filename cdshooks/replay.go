package cdshooks

import (
	"container/heap"
	"sync"
	"time"
)

// maxRemembered bounds the token ids the replay cache holds at once. With
// tokens that live minutes, it is far above what a service sees; when it is
// full of unexpired ids, new tokens are refused rather than an id forgotten
// early, which would let its token be replayed.
const maxRemembered = 100_000

// replayCache remembers each token id until its token expires, so that no
// token is accepted twice. It is safe for concurrent use.
type replayCache struct {
	mu    sync.Mutex
	max   int
	until map[string]time.Time
	order expiries
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, until: map[string]time.Time{}}
}

// add remembers id until the given time, or reports that it was seen
// before (a replay) or that the cache is full.
func (c *replayCache) add(id string, until, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && !c.order[0].until.After(now) {
		e := heap.Pop(&c.order).(expiry)
		delete(c.until, e.id)
	}
	if _, ok := c.until[id]; ok {
		return refuse("the token's jti has been used before; every call needs a new token")
	}
	if len(c.until) >= c.max {
		return errBusy
	}
	c.until[id] = until
	heap.Push(&c.order, expiry{id: id, until: until})
	return nil
}

// len returns how many ids are remembered.
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}

type expiry struct {
	id    string
	until time.Time
}

// expiries is a min-heap of ids by expiry.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

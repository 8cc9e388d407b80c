package libvirt

import (
	"context"
	"time"

	lv "github.com/digitalocean/go-libvirt"

	"github.com/azgate/azgate/engine"
)

// reconnectEvery is how often Watch tries libvirt again while it is down.
const reconnectEvery = time.Second

// Watch implements engine.Watcher: libvirt's domain lifecycle events for
// changes azgate did not make (a VM crashed, shut down from inside, was
// started, stopped, defined or undefined with virsh). It keeps its own
// connection, reconnecting while libvirtd is down.
func (b *Backend) Watch(ctx context.Context, fn func(engine.Event)) error {
	for ctx.Err() == nil {
		l, err := b.dial()
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(reconnectEvery):
			}
			continue
		}
		b.watchOn(ctx, l, fn)
		l.Disconnect()
	}
	return nil
}

func (b *Backend) watchOn(ctx context.Context, l *lv.Libvirt, fn func(engine.Event)) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := l.LifecycleEvents(wctx)
	if err != nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.Disconnected():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			id := uuidString(ev.Dom.UUID)
			if b.ours.ours(id, lv.DomainEventType(ev.Event)) {
				continue
			}
			reason := reasonOf(lv.DomainEventType(ev.Event), ev.Detail)
			if reason == "" {
				continue
			}
			e := engine.Event{Time: time.Now().UTC(), Kind: engine.KindVM, ID: id, Name: ev.Dom.Name, Reason: reason}
			if d, err := b.readDomain(l, ev.Dom); err == nil {
				e.Scope, e.State = d.meta.Scope, d.state
				if d.state == engine.Running {
					b.consoles.open(id, d.ref)
				}
			}
			fn(e)
		}
	}
}

// reasonOf says what a lifecycle event means, "" for those not reported.
func reasonOf(t lv.DomainEventType, detail int32) string {
	switch t {
	case lv.DomainEventDefined:
		if detail == int32(lv.DomainEventDefinedAdded) {
			return "defined outside azgate"
		}
		return "redefined outside azgate"
	case lv.DomainEventUndefined:
		return "deleted outside azgate"
	case lv.DomainEventStarted:
		return "started outside azgate"
	case lv.DomainEventSuspended:
		return "paused outside azgate"
	case lv.DomainEventResumed:
		return "resumed outside azgate"
	case lv.DomainEventStopped:
		switch lv.DomainEventStoppedDetailType(detail) {
		case lv.DomainEventStoppedCrashed:
			return "crashed"
		case lv.DomainEventStoppedShutdown:
			return "shut down by the guest"
		case lv.DomainEventStoppedSaved:
			return "saved outside azgate"
		}
		return "stopped outside azgate"
	case lv.DomainEventShutdown:
		return ""
	case lv.DomainEventCrashed:
		return "crashed"
	}
	return ""
}

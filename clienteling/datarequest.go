package clienteling

import (
	"context"
	"time"
)

// CustomerExport is everything Salon holds on one client: the answer to a
// data subject access request. Its fields are in the order the JSON
// document has always had (alphabetical).
type CustomerExport struct {
	Customer   *Customer  `json:"customer"`
	ExportedAt time.Time  `json:"exported_at"`
	Messages   []*Message `json:"messages"`
	// Associates' notes are personal data too: the request must show them.
	Notes []*Note `json:"notes"`
}

// ExportCustomer gathers everything held on the client, unredacted. Admin
// only: the document names the client and holds their whole history. An
// admin limited to a brand exports only its brand's clients (ENOTFOUND for
// others). The history is read page by page but returned whole, in memory.
func (s *Service) ExportCustomer(ctx context.Context, id CustomerID) (*CustomerExport, error) {
	if err := require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	c, err := s.store.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.inScope(ctx, c); err != nil {
		return nil, err
	}
	x := &CustomerExport{Customer: c, ExportedAt: s.clock.Now().UTC()}
	page := MessagePage{Limit: MaxPageSize}
	for {
		ms, next, err := s.store.Messages(ctx, id, page)
		if err != nil {
			return nil, err
		}
		x.Messages = append(x.Messages, ms...)
		if next == "" {
			break
		}
		page.Before = next
	}
	if x.Notes, err = s.store.Notes(ctx, id); err != nil {
		return nil, err
	}
	return x, nil
}

// EraseCustomer erases the client, their identities, history and notes in
// one transaction that also records customer.erased. Admin only; ENOTFOUND
// for an unknown id, and, for an admin limited to a brand, for another
// brand's client.
func (s *Service) EraseCustomer(ctx context.Context, id CustomerID) error {
	if err := require(ctx, RoleAdmin); err != nil {
		return err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" {
		c, err := s.store.FindCustomerByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.inScope(ctx, c); err != nil {
			return err
		}
	}
	if err := s.store.DeleteCustomer(ctx, id); err != nil {
		return err
	}
	if s.afterEvents != nil {
		s.afterEvents()
	}
	return nil
}

// SetEventNotifier sets fn to be called after a Service write that records
// events for integrations, so that the outbox relay, which waits to be
// woken rather than polling, publishes them at once.
func (s *Service) SetEventNotifier(fn func()) { s.afterEvents = fn }

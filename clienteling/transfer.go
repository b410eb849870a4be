package clienteling

import (
	"context"
	"fmt"
	"time"
)

// MaxTransferCustomers bounds the clients one transfer may list. A whole
// book is moved by listing none; a list this long is already a mistake or
// an attempt to build one huge transaction from the outside.
const MaxTransferCustomers = 10000

// transferNoticeIDs bounds the client ids the new advisor's notification
// lists: enough to start with from a phone, not a copy of a 500-client book.
const transferNoticeIDs = 20

// Transfer asks that clients move from one associate's book to another's,
// as when an associate leaves or changes boutique.
type Transfer struct {
	From AssociateID `json:"from" validate:"required,userid"`
	To   AssociateID `json:"to" validate:"required,userid"`
	// Customers lists the clients to move; empty moves the whole book.
	Customers []CustomerID `json:"customers,omitempty" validate:"max=10000"`
	Reason    string       `json:"reason,omitempty" validate:"max=500"`
}

// TransferMove is what the domain decides for one client being moved.
type TransferMove struct {
	// Courtesy is the message that tells the client who their new advisor
	// is, to be queued to CourtesyTo; nil when it cannot be sent.
	Courtesy   *Message
	CourtesyTo Identity
	// Events are written with the move.
	Events []Event
}

// TransferDecider decides the move of client c to associate to, given the
// client's Official Account service window (nil if they have no Official
// Account identity). It runs inside the store's transaction: no I/O.
type TransferDecider func(c *Customer, to *Associate, oa *Window, now time.Time) TransferMove

// TransferStore moves clients between books.
type TransferStore interface {
	// TransferBook moves, in one transaction, the clients t lists (or, if
	// it lists none, every client whose advisor is t.From) to t.To: each
	// client's advisor and boutique become t.To's, and what decide returns
	// for them (a courtesy message, events) is written with the change.
	// summary's events, given the ids moved, are written last. ENOTFOUND
	// (field "to") if t.To does not exist; EINVALID (field "customers") if
	// a listed client does not exist or is not in t.From's book, in which
	// case nothing changes. Returns how many clients moved.
	TransferBook(ctx context.Context, t *Transfer, decide TransferDecider, summary func(to *Associate, moved []CustomerID) []Event) (int, error)
}

// SetTransferNotice sets how the client is told of a new advisor: fn
// returns the text in language lang naming the advisor. The domain holds no
// message catalog, so the command that wires the service supplies one.
// Without it, transfers tell clients nothing. Call it before serving.
func (s *Service) SetTransferNotice(fn func(lang, advisorName string) string) { s.transferNotice = fn }

// Transfer moves clients from t.From's book to t.To's and returns how many
// moved. Admins may move any book; a manager only within their boutique
// (both associates in it; one of another boutique is ENOTFOUND, as if
// unknown); an admin limited to a brand only within it (likewise). t.To must exist (ENOTFOUND), not have departed
// (ECONFLICT) and belong to the same brand (EINVALID). Every listed client
// must be in t.From's book, or nothing moves (EINVALID, field "customers").
func (s *Service) Transfer(ctx context.Context, t *Transfer) (int, error) {
	if err := require(ctx, RoleManager, RoleAdmin); err != nil {
		return 0, err
	}
	if err := Validate(t); err != nil {
		return 0, err
	}
	if t.From == t.To {
		return 0, FieldError("to", "must differ from from")
	}
	seen := make(map[CustomerID]bool, len(t.Customers))
	for _, id := range t.Customers {
		if !ValidID(string(id)) {
			return 0, FieldError("customers", "malformed customer id %q", id)
		}
		if seen[id] {
			return 0, FieldError("customers", "customer %s is listed twice", id)
		}
		seen[id] = true
	}
	from, err := s.transferParty(ctx, "from", t.From)
	if err != nil {
		return 0, err
	}
	to, err := s.transferParty(ctx, "to", t.To)
	if err != nil {
		return 0, err
	}
	// A manager does not see another boutique's associates (as in
	// Associates and UpdateAssociate): naming one is naming nobody, and
	// checked before anything else is said of them.
	// Likewise for staff of another brand, to a principal limited to one.
	sc, err := s.scope(ctx)
	if err != nil {
		return 0, err
	}
	p := PrincipalFrom(ctx)
	for _, side := range []struct {
		field string
		a     *Associate
	}{{"from", from}, {"to", to}} {
		if (p.Role == RoleManager && side.a.Boutique != p.Boutique) || !sc.hasAssociate(side.a) {
			return 0, &Error{Code: ENOTFOUND, Field: side.field, Message: fmt.Sprintf("no associate %s", side.a.UserID)}
		}
	}
	if to.Status == StatusDeparted {
		return 0, &Error{Code: ECONFLICT, Field: "to", Message: "the target associate has departed"}
	}
	if from.Boutique != to.Boutique {
		if err := s.sameBrand(ctx, from.Boutique, to.Boutique); err != nil {
			return 0, err
		}
	}
	moved, err := s.store.TransferBook(ctx, t, s.decideTransfer(t), func(to *Associate, ids []CustomerID) []Event {
		return AnnounceTransfer(t, to, ids)
	})
	if err != nil {
		return 0, err
	}
	if moved > 0 && s.afterReply != nil {
		s.afterReply() // courtesy messages were queued
	}
	return moved, nil
}

// transferParty finds one side of a transfer; ENOTFOUND names the field.
func (s *Service) transferParty(ctx context.Context, field string, id AssociateID) (*Associate, error) {
	a, err := s.store.FindAssociate(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, &Error{Code: ENOTFOUND, Field: field, Message: fmt.Sprintf("no associate %s", id)}
	}
	return a, err
}

// sameBrand refuses a move between boutiques of different brands: a client
// of one house is not another's to give.
func (s *Service) sameBrand(ctx context.Context, a, b BoutiqueID) error {
	ba, err := s.store.FindBoutique(ctx, a)
	if err != nil {
		return err
	}
	bb, err := s.store.FindBoutique(ctx, b)
	if err != nil {
		return err
	}
	if ba.Brand != bb.Brand {
		return FieldError("to", "the target associate serves another brand")
	}
	return nil
}

// decideTransfer returns the rules for each client moved by t: a
// customer.transferred event, and a courtesy message in the client's
// language when the service window allows one. A closed window never fails
// the transfer: the event records that the client was not told, and why.
func (s *Service) decideTransfer(t *Transfer) TransferDecider {
	notice := s.transferNotice
	return func(c *Customer, to *Associate, oa *Window, now time.Time) TransferMove {
		data := CustomerTransferred{Customer: c.ID, From: t.From, To: to.UserID, Boutique: to.Boutique, Reason: t.Reason}
		var move TransferMove
		switch {
		case notice == nil:
			data.NotToldReason = "no message catalog configured"
		case oa == nil:
			data.NotToldReason = "the client cannot be reached on the Official Account"
		default:
			if err := CheckServiceWindow(*oa, now); err != nil {
				data.NotToldReason = ErrorMessage(err)
				break
			}
			name := to.Name
			if name == "" {
				name = string(to.UserID)
			}
			move.Courtesy = &Message{ID: MessageID(NewID()), Customer: c.ID, Direction: DirectionOut, Channel: ChannelOA,
				Type: TypeText, Text: notice(c.Language, name), Author: AuthorBot, Status: StatusQueued, At: now.UTC()}
			for _, x := range c.Identities {
				if x.Channel == ChannelOA {
					move.CourtesyTo = x
					break
				}
			}
			data.Told, data.Message = true, move.Courtesy.ID
		}
		move.Events = []Event{{Type: EventCustomerTransferred, Subject: EventSubject(EventCustomerTransferred), Data: data}}
		return move
	}
}

// AnnounceTransfer is the notification of a transfer to the new advisor
// and the previous one: one summary per transfer, not one per client, so
// that inheriting a 500-client book is one buzz on a phone rather than 500. Each client's move is
// announced for integrations by its own customer.transferred event.
func AnnounceTransfer(t *Transfer, to *Associate, moved []CustomerID) []Event {
	if len(moved) == 0 {
		return nil
	}
	ids := moved
	if len(ids) > transferNoticeIDs {
		ids = ids[:transferNoticeIDs]
	}
	data := TransferNotice{From: t.From, To: to.UserID, Count: len(moved), Customers: ids, Reason: t.Reason}
	// The previous advisor hears it too: a client who writes to them on
	// WeCom must be pointed to their new advisor, not answered twice.
	return []Event{
		{Type: EventCustomerTransferred, Subject: AssociateSubject(to.UserID), Data: data},
		{Type: EventCustomerTransferred, Subject: AssociateSubject(t.From), Data: data},
	}
}

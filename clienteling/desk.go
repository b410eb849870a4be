package clienteling

import (
	"context"
	"maps"
	"slices"
)

// serves reports whether the acting associate is the one the client's
// conversation was routed to, though not their advisor: a colleague
// covering for an advisor who is away must read the history and reply.
func (s *Service) serves(ctx context.Context, c *Customer) bool {
	p := PrincipalFrom(ctx)
	if p == nil || p.Role != RoleAssociate {
		return false
	}
	conv, err := s.store.Conversation(ctx, c.ID)
	return err == nil && string(conv.Assignee) == p.Subject
}

// Conversation returns a client's conversation: whether the brand owes an
// answer, to whom, by when, and how it was routed. Whoever may see the
// client may see it.
func (s *Service) Conversation(ctx context.Context, id CustomerID) (*Conversation, error) {
	if _, err := s.FindCustomerByID(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Conversation(ctx, id)
}

// Conversations lists waiting conversations, oldest wait first: an
// associate sees those waiting for them, a manager their boutique's, the
// CRM team and admins any (their brand's boutiques', if limited).
func (s *Service) Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	switch p := PrincipalFrom(ctx); p.Role {
	case RoleAssociate:
		if f.Assignee != "" && string(f.Assignee) != p.Subject {
			return nil, nil
		}
		f.Assignee = AssociateID(p.Subject)
	case RoleManager:
		if f.Boutique != "" && f.Boutique != p.Boutique {
			return nil, nil
		}
		f.Boutique = p.Boutique
	}
	sc, err := s.scope(ctx)
	if err != nil || sc == nil {
		if err != nil {
			return nil, err
		}
		return s.store.Conversations(ctx, f)
	}
	return s.brandConversations(ctx, sc, f)
}

// brandConversations is Conversations for a principal limited to a brand:
// each of its boutiques' queues, merged in the order of the wait. A
// conversation routed to no boutique belongs to no brand.
func (s *Service) brandConversations(ctx context.Context, sc *brandScope, f ConversationFilter) ([]*Conversation, error) {
	boutiques := slices.Sorted(maps.Keys(sc.boutiques))
	if f.Boutique != "" {
		if !sc.hasBoutique(f.Boutique) {
			return nil, nil
		}
		boutiques = []BoutiqueID{f.Boutique}
	}
	var out []*Conversation
	for _, b := range boutiques {
		f.Boutique = b
		cs, err := s.store.Conversations(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	slices.SortStableFunc(out, func(a, b *Conversation) int { return a.WaitingSince.Compare(b.WaitingSince) })
	limit := f.Limit
	if limit <= 0 {
		limit = defaultConversationList
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// defaultConversationList bounds a brand's merged listing when the caller
// sets no limit, as the store bounds one boutique's.
const defaultConversationList = 500

// AssignConversation hands a client's conversation to associate to: a
// manager within their boutique, or an admin. ENOTFOUND for a client the
// manager may not see; EINVALID (field "associate") for an unknown
// associate (for a manager, one of another boutique is unknown) or one who
// left.
func (s *Service) AssignConversation(ctx context.Context, id CustomerID, to AssociateID) (*Conversation, error) {
	if err := require(ctx, RoleManager, RoleAdmin); err != nil {
		return nil, err
	}
	if err := Validate(&struct {
		Associate AssociateID `json:"associate" validate:"required,userid"`
	}{to}); err != nil {
		return nil, err
	}
	if _, err := s.FindCustomerByID(ctx, id); err != nil {
		return nil, err
	}
	a, err := s.store.FindAssociate(ctx, to)
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldError("associate", "no such associate")
	} else if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	if s.associateInScope(ctx, a) != nil {
		// Nor another brand's, to an admin limited to one.
		return nil, FieldError("associate", "no such associate")
	}
	var by AssociateID
	if p.Role == RoleManager {
		if a.Boutique != p.Boutique {
			// Another boutique's associates are not shown to a manager:
			// naming one is naming nobody.
			return nil, FieldError("associate", "no such associate")
		}
		by = AssociateID(p.Subject)
	}
	if a.Status == StatusDeparted {
		return nil, FieldError("associate", "has left the brand")
	}
	return s.store.AssignConversation(ctx, id, to, by)
}

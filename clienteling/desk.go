package clienteling

import "context"

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
// CRM team and admins any.
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
	return s.store.Conversations(ctx, f)
}

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

package clienteling

import "context"

// AssociateUpdater changes an associate in one transaction; part of Store.
type AssociateUpdater interface {
	// UpdateAssociate applies fn to the stored associate and saves the
	// result in one transaction; fn's error aborts it. When fn makes them
	// departed, every token issued to them is revoked in that transaction,
	// so that coming back does not revive it. When fn makes them away or
	// departed, the conversations waiting for them are handed over
	// (Desk.HandOver) in that transaction, with their events. ENOTFOUND if
	// there is no such associate.
	UpdateAssociate(ctx context.Context, id AssociateID, fn func(*Associate) error) (*Associate, error)
}

// AssociatePatch is a change to an associate's availability. Nil fields
// are left as they are.
type AssociatePatch struct {
	// Status: "away" sends their clients, and the conversations waiting
	// for them, to the boutique's queue until "active" again (which takes
	// nothing back); "departed" marks someone who left, and does the same.
	Status *string `json:"status,omitempty" validate:"omitempty,oneof=active away departed"`
	// Hours replaces their working hours; an empty list means the
	// boutique's hours.
	Hours *Weekly `json:"hours,omitempty" validate:"omitempty,max=21,dive"`
}

// UpdateAssociate applies patch to associate id. An associate may set
// their own status between active and away; their boutique's managers and
// admins may change anything, including departures and hours. Others get
// ENOTFOUND (an associate outside one's boutique, or one's brand, is not
// shown).
func (s *Service) UpdateAssociate(ctx context.Context, id AssociateID, patch *AssociatePatch) (*Associate, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleAdmin); err != nil {
		return nil, err
	}
	if err := Validate(patch); err != nil {
		return nil, err
	}
	a, err := s.store.FindAssociate(ctx, id)
	if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	switch p.Role {
	case RoleAssociate:
		if string(id) != p.Subject {
			return nil, Errorf(ENOTFOUND, "associate not found")
		}
		if patch.Hours != nil || (patch.Status != nil && *patch.Status == StatusDeparted) {
			return nil, Errorf(EFORBIDDEN, "only a manager may change hours or record a departure")
		}
	case RoleManager:
		if a.Boutique != p.Boutique {
			return nil, Errorf(ENOTFOUND, "associate not found")
		}
	}
	if err := s.associateInScope(ctx, a); err != nil {
		return nil, err
	}
	return s.store.UpdateAssociate(ctx, id, func(a *Associate) error {
		if patch.Status != nil {
			a.Status = *patch.Status
		}
		if patch.Hours != nil {
			a.Hours = *patch.Hours
		}
		return nil
	})
}

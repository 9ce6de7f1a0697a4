import type { Role } from '../../domain/actors.ts';
import type { User } from '../../domain/users.ts';
import { Badge } from '../components/layout.tsx';

// What the user pages share: the page size, role labels, a user's status. (Accounts to pick from come
// from account-parts.tsx.)

export const PAGE_SIZE = 50;

export const roleLabels: Record<Role, string> = {
  admin: 'Admin (producer, everything)',
  operator: 'Operator (producer staff)',
  partner: 'Partner',
  customer: 'Customer',
};

export function StatusBadge({ user }: { user: User }) {
  return user.disabledAt ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>;
}

// The behaviour every Store backend must show, through the use cases that drive it; each backend's test file
// runs it with its own factory. One file per subject; fixture.ts gives each test its own backend.
import { describeAudit } from './audit';
import { storeContractFixture, type NewBackend } from './fixture';
import { describeHandles } from './handles';
import { describeIdempotency } from './idempotency';
import { describeMoves } from './moves';
import { describeReads } from './reads';
import { describeRegistration } from './registration';
import { describeTransfer } from './transfer';

export type { NewBackend, StoreBackend } from './fixture';

export function describeStoreContract(name: string, newBackend: NewBackend): void {
  describe(`${name}: the Store contract`, () => {
    const contract = storeContractFixture(newBackend);
    describeReads(contract);
    describeRegistration(contract);
    describeMoves(contract);
    describeTransfer(contract);
    describeIdempotency(contract);
    describeAudit(contract);
    describeHandles(contract);
  });
}

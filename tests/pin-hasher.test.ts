// The PIN hasher keeps scrypt from taking the thread pool: a few PINs at once, a bounded number waiting, and
// a refusal (QueueFull, 503) beyond them rather than a queue without end.
import { QueueFull } from '../src/domain/errors';
import { createPinHasher } from '../src/domain/pin';

describe('createPinHasher', () => {
  it('checks a PIN against its own hash only', async () => {
    const hasher = createPinHasher({ log2Cost: 10 });
    const hash = await hasher.hash('975318');
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$/);
    await expect(hasher.verify('975318', hash)).resolves.toBe(true);
    await expect(hasher.verify('975319', hash)).resolves.toBe(false);
  });

  it('refuses a new PIN with QueueFull while as many wait as may, and takes them again once the queue drains', async () => {
    const hasher = createPinHasher({ log2Cost: 10, concurrency: 1, queueLimit: 2 });
    // One runs and two wait: the queue is full, so the fourth is refused at once.
    const accepted = [hasher.hash('000001'), hasher.hash('000002'), hasher.hash('000003')];
    expect(hasher.isSaturated()).toBe(true);
    await expect(hasher.hash('000004')).rejects.toBeInstanceOf(QueueFull);
    const hashes = await Promise.all(accepted);
    expect(new Set(hashes).size).toBe(3);
    expect(hasher.isSaturated()).toBe(false);
    await expect(hasher.verify('000003', hashes[2] ?? '')).resolves.toBe(true);
  });

  it('never refuses a verify: its attempt is already counted, so the caller asks isSaturated() before', async () => {
    const hasher = createPinHasher({ log2Cost: 10, concurrency: 1, queueLimit: 1 });
    const hash = await hasher.hash('975318');
    const checks = Array.from({ length: 5 }, () => hasher.verify('975318', hash));
    expect(hasher.isSaturated()).toBe(true);
    await expect(Promise.all(checks)).resolves.toEqual([true, true, true, true, true]);
  });
});

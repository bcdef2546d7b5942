// handlers → secret comparison that takes the same time whatever the inputs.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares two secrets without leaking where they differ. Hashing first gives both sides 32 bytes, which
 * `timingSafeEqual` requires, so not even the length of the expected value leaks.
 */
export const constantTimeEqual = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

// Types of payloads.mjs (for the TypeScript tests in test/unit/benchmarks).
export const JSON_POOL_SIZE: number
export function randomLetters(size: number, seed?: number): Buffer
export function jsonValues(size: number, count?: number, seed?: number): Buffer[]
export function valueSource(kind: 'random' | 'json', size: number): (i: number) => Buffer

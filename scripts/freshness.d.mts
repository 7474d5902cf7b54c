export function newestMtime(dir: string): number;
export function isFresh(output: string, srcDirs: readonly string[]): boolean;

// The Public Suffix List as the extension ships it (core/public-suffix.ts), written out at build
// time from the copy tldts keeps up to date. tldts stores it as a compact trie of typed arrays:
// each node's edges carry a label (read right to left: `uk`, then `co`) and lead to a node whose
// flag says whether a rule ends there (1 ICANN, 2 private). Walking it gives back the rules.
// tldts is pinned in package.json: this reads its data module, not its API, and
// test/unit/public-suffix.test.ts checks the result against tldts's own answers.
import * as trie from 'tldts/dist/es6/src/data/trie.js';
import { readPublicSuffixListFrom } from '../core/public-suffix.js';

function rulesUnder(root: number, prefix: string): string[] {
  const { nodeFlags, edgeStart, edgeLength, edgeChild, labelText } = trie;
  const offsets: number[] = [];
  for (let edge = 0, offset = 0; edge < edgeLength.length; edge += 1) {
    offsets.push(offset);
    offset += edgeLength[edge] ?? 0;
  }
  const rules: string[] = [];
  const stack: Array<[node: number, suffix: string]> = [[root, '']];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, suffix] = next;
    for (let edge = edgeStart[node] ?? 0; edge < (edgeStart[node + 1] ?? 0); edge += 1) {
      const start = offsets[edge] ?? 0;
      const label = labelText.slice(start, start + (edgeLength[edge] ?? 0));
      const name = suffix ? `${label}.${suffix}` : label;
      const child = edgeChild[edge] ?? 0;
      if (nodeFlags[child]) rules.push(prefix + name);
      stack.push([child, name]);
    }
  }
  return rules;
}

/** Every rule and exception of the list, sorted, one a line. */
export function publicSuffixListText(): string {
  const rules = [...rulesUnder(trie.rulesRoot, ''), ...rulesUnder(trie.exceptionsRoot, '!')];
  return `// The Public Suffix List (https://publicsuffix.org/), ICANN and private sections, from tldts.\n${rules.sort().join('\n')}\n`;
}

/** Validation in Node (the CLI, the tests) reads the list from tldts as the build does. */
export function readPublicSuffixListFromTldts(): void {
  readPublicSuffixListFrom(async () => publicSuffixListText());
}

// tldts's data module has its types beside the others, under dist/types.
declare module 'tldts/dist/es6/src/data/trie.js' {
  export * from 'tldts/dist/types/src/data/trie';
}

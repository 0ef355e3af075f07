import { Masker } from './masking.js';
import { resolveMinerOptions, type MinerOptions } from './options.js';
import { sameEventAcrossLengths } from './length-merge.js';
import { covers, extractParameters, looksVariable, mergeTokens, shapeToken, similarity } from './token-shape.js';
import { WILDCARD, type MinedLine, type MinerSnapshot, type Template } from './types.js';
import { emptySlots, isWord, recordWords, slotWordCounts, specialisingWords } from './word-slots.js';

/** A node of the fixed-depth parse tree; leaves hold the ids of their clusters. */
interface TreeNode {
  children: Map<string, TreeNode>;
  clusterIds: number[];
}

const newNode = (): TreeNode => ({ children: new Map(), clusterIds: [] });

/** Where a line lands on the current model, without learning from it. */
export interface Classification {
  templateId: number;
  eventKey: string;
  event: string;
}

/**
 * Streaming template miner in the manner of Drain (He et al., ICWS 2017): lines are routed by
 * token count and their first tokens through a fixed-depth tree, then join the most similar
 * template of the leaf or start a new one. Memory is bounded: beyond `maxClusters` the least
 * recently matched template is evicted.
 */
export class TemplateMiner {
  readonly options: MinerOptions;
  private readonly masker: Masker;
  private readonly splitter: RegExp;
  /** Templates by id; Map order is recency order (oldest first), which drives eviction. */
  private readonly templates = new Map<number, Template>();
  private readonly leafOf = new Map<number, TreeNode>();
  private readonly root = new Map<number, TreeNode>();
  /**
   * Template ids by their first constant token when created: the candidates for a merge across
   * lengths. (A later merge may turn that token into a wildcard; the index keeps the old anchor.)
   */
  private readonly byAnchor = new Map<string, Set<number>>();
  private readonly anchorOfId = new Map<number, string>();
  /** Template ids by token count: the candidates for a merge across tree branches. */
  private readonly byLength = new Map<number, Set<number>>();
  private nextId = 1;
  /** Open slots holding each word (see slotWordCounts); rebuilt lazily after a slot changes. */
  private wordCounts: Map<string, number> | undefined;
  evictions = 0;

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = resolveMinerOptions(options);
    this.masker = new Masker([...this.options.maskPatterns, ...this.options.valuePatterns]);
    const extra = this.options.extraDelimiters.replace(/[\\\]^-]/g, '\\$&');
    this.splitter = extra ? new RegExp(`\\s+|(?<=[${extra}])`) : /\s+/;
  }

  get size(): number {
    return this.templates.size;
  }

  /** Mask, tokenise and absorb one line. */
  add(line: string): MinedLine {
    const masked = this.masker.mask(line);
    const tokens = this.tokenize(masked);
    const shape = this.shapeOf(tokens);
    const leaf = this.leafFor(tokens, true)!;
    const best = this.bestMatch(leaf, shape);
    let template: Template;
    let change: MinedLine['change'];
    if (best) {
      template = best;
      const before = template.tokens;
      const merged = mergeTokens(before, shape);
      change = merged ? 'updated' : 'matched';
      if (merged) {
        template.tokens = merged;
        template.revision++;
      }
      if (recordWords(template.slots, before, template.tokens, shape, this.options.wordValueLimit)) this.wordCounts = undefined;
      template.size++;
      this.touch(template);
    } else {
      template = { id: this.nextId++, revision: 1, tokens: shape, size: 1, slots: emptySlots(shape) };
      const twin = this.branchTwinOf(shape) ?? (this.options.mergeAcrossLengths ? this.twinOf(shape) : undefined);
      if (twin) template.sameAs = twin.sameAs ?? twin.id;
      this.insert(template, leaf);
      change = 'created';
    }
    return {
      templateId: template.id,
      revision: template.revision,
      template: template.tokens.join(' '),
      ...this.eventOf(template, shape),
      masked,
      parameters: extractParameters(template.tokens, tokens),
      change,
    };
  }

  /**
   * The template and event a line belongs to on the model as it stands now, without learning.
   * Re-classifying earlier lines after a stream gives the miner's final grouping of them.
   */
  classify(line: string): Classification | undefined {
    const tokens = this.tokenize(this.masker.mask(line));
    const shape = this.shapeOf(tokens);
    const leaf = this.leafFor(tokens, false);
    // Prefer a template that accounts for every token; the most specific one wins.
    let best: Template | undefined;
    for (const id of leaf?.clusterIds ?? []) {
      const t = this.templates.get(id)!;
      if (covers(t.tokens, shape) && (!best || constants(t) > constants(best))) best = t;
    }
    if (leaf) best ??= this.bestMatch(leaf, shape);
    // A line of a branch not seen yet may still be a known event (see branchTwinOf).
    best ??= this.branchTwinOf(shape);
    return best ? { templateId: best.id, ...this.eventOf(best, shape) } : undefined;
  }

  get(id: number): Template | undefined {
    return this.templates.get(id);
  }

  /** Every template, least recently used first. */
  list(): Template[] {
    return [...this.templates.values()].map(copyTemplate);
  }

  /** Mask counts so far, per pattern name. */
  get maskCounts(): ReadonlyMap<string, number> {
    return this.masker.counts;
  }

  toJSON(): MinerSnapshot {
    return { format: 'vigil.log-templates', version: 1, nextId: this.nextId, templates: this.list() };
  }

  /** Rebuild a miner from a snapshot; ids, revisions, word slots and recency survive. */
  static fromJSON(snapshot: MinerSnapshot, options: Partial<MinerOptions> = {}): TemplateMiner {
    if (snapshot?.format !== 'vigil.log-templates') throw new Error('not a vigil log-template snapshot');
    if (snapshot.version !== 1) throw new Error(`unsupported log-template snapshot version ${String(snapshot.version)}`);
    const miner = new TemplateMiner(options);
    for (const t of snapshot.templates) {
      if (t.slots.length !== t.tokens.length) throw new Error(`template ${t.id}: slots do not match tokens`);
      const copy = copyTemplate(t);
      miner.insert(copy, miner.leafFor(copy.tokens, true)!);
    }
    miner.nextId = Math.max(snapshot.nextId, ...snapshot.templates.map((t) => t.id + 1), 1);
    return miner;
  }

  private eventOf(template: Template, shape: string[]): { eventKey: string; event: string } {
    const id = String(template.sameAs ?? template.id);
    if (this.options.wordValueLimit === 0) return { eventKey: id, event: template.tokens.join(' ') };
    this.wordCounts ??= slotWordCounts([...this.templates.values()].map((t) => t.slots));
    const words = specialisingWords(template.tokens, template.slots, shape, this.wordCounts);
    if (words.length === 0) return { eventKey: id, event: template.tokens.join(' ') };
    const tokens = [...template.tokens];
    for (const [i] of words) tokens[i] = shape[i]!;
    return { eventKey: `${id}/${words.map(([, w]) => w).join('/')}`, event: tokens.join(' ') };
  }

  /** An existing template of another length that is the same event, the most used first. */
  private twinOf(shape: string[]): Template | undefined {
    let best: Template | undefined;
    for (const id of this.byAnchor.get(anchorOf(shape)) ?? []) {
      const t = this.templates.get(id)!;
      if ((!best || t.size > best.size) && sameEventAcrossLengths(t.tokens, shape)) best = t;
    }
    return best;
  }

  /**
   * An existing template of the same length in another branch of the tree that is the same
   * event: the tree routes by the leading tokens, so a name there (a service, a path, a dotted
   * class: "com.apple.x.daily: ... told me to run this job") splits one event into a branch per
   * name. Same event when every token after the routing prefix agrees with the template, and
   * every leading token that differs is such a name on both sides (not a plain word, which may
   * tell events apart: "Started" / "Stopped").
   */
  private branchTwinOf(shape: string[]): Template | undefined {
    const prefix = Math.min(this.options.depth - 2, shape.length);
    if (prefix === shape.length) return undefined;
    let best: Template | undefined;
    for (const id of this.byLength.get(shape.length) ?? []) {
      const t = this.templates.get(id)!;
      if ((!best || t.size > best.size) && sameEventAcrossBranches(t.tokens, shape, prefix, this.options.similarityThreshold)) best = t;
    }
    return best;
  }

  /** Tokens as a template would hold them (see shapeToken). */
  private shapeOf(tokens: string[]): string[] {
    return this.options.digitRunsAreVariables ? tokens.map(shapeToken) : tokens;
  }

  private tokenize(masked: string): string[] {
    return masked.split(this.splitter).filter((t) => t.length > 0);
  }

  /** Walk (and when `create`, grow) the tree to the leaf for these tokens. */
  private leafFor(tokens: string[], create: boolean): TreeNode | undefined {
    let node = this.root.get(tokens.length);
    if (!node) {
      if (!create) return undefined;
      node = newNode();
      this.root.set(tokens.length, node);
    }
    const layers = Math.min(this.options.depth - 2, tokens.length);
    for (let i = 0; i < layers; i++) {
      const token = tokens[i]!;
      const next: TreeNode | undefined = create ? this.childFor(node, token) : (node.children.get(token) ?? node.children.get(WILDCARD));
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /**
   * Drain's routing rule: value-looking tokens share the wildcard branch, and once a node is full
   * every new token does too, so the tree stays bounded.
   */
  private childFor(node: TreeNode, token: string): TreeNode {
    const full = node.children.size >= this.options.maxChildren - 1;
    const key = node.children.has(token) ? token : looksVariable(token) || full ? WILDCARD : token;
    let child = node.children.get(key);
    if (!child) {
      child = newNode();
      node.children.set(key, child);
    }
    return child;
  }

  private bestMatch(leaf: TreeNode, shape: string[]): Template | undefined {
    let best: Template | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const id of leaf.clusterIds) {
      const t = this.templates.get(id)!;
      const { sim, params } = similarity(t.tokens, shape);
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = t;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best && bestSim >= this.options.similarityThreshold ? best : undefined;
  }

  private insert(template: Template, leaf: TreeNode): void {
    if (template.slots.some((s) => s?.some((w) => w !== WILDCARD))) this.wordCounts = undefined;
    this.templates.set(template.id, template);
    this.leafOf.set(template.id, leaf);
    leaf.clusterIds.push(template.id);
    const anchor = anchorOf(template.tokens);
    this.anchorOfId.set(template.id, anchor);
    (this.byAnchor.get(anchor) ?? this.byAnchor.set(anchor, new Set()).get(anchor)!).add(template.id);
    const n = template.tokens.length;
    (this.byLength.get(n) ?? this.byLength.set(n, new Set()).get(n)!).add(template.id);
    while (this.templates.size > this.options.maxClusters) this.evictOldest();
  }

  private touch(template: Template): void {
    this.templates.delete(template.id);
    this.templates.set(template.id, template);
  }

  private evictOldest(): void {
    const oldest = this.templates.keys().next().value;
    if (oldest === undefined) return;
    const length = this.templates.get(oldest)?.tokens.length ?? -1;
    this.templates.delete(oldest);
    this.wordCounts = undefined;
    this.byLength.get(length)?.delete(oldest);
    const leaf = this.leafOf.get(oldest);
    this.leafOf.delete(oldest);
    if (leaf) leaf.clusterIds = leaf.clusterIds.filter((id) => id !== oldest);
    this.byAnchor.get(this.anchorOfId.get(oldest) ?? '')?.delete(oldest);
    this.anchorOfId.delete(oldest);
    this.evictions++;
  }
}

/** See TemplateMiner.branchTwinOf. */
function sameEventAcrossBranches(template: readonly string[], shape: readonly string[], prefix: number, threshold: number): boolean {
  let differing = 0;
  for (let i = 0; i < shape.length; i++) {
    const t = template[i]!;
    const s = shape[i]!;
    if (t === s || (t === WILDCARD && looksVariable(s))) continue;
    if (i >= prefix || !isName(t) || !isName(s)) return false;
    differing++;
  }
  // The words both share must carry the event as much as Drain asks of a match: a short line
  // ("autopurge.purgeInterval set to 0") is mostly its name, so its name is part of the event.
  const shared = template.filter((t, i) => !looksVariable(t) && t === shape[i]).length;
  return differing > 0 && shared >= threshold * shape.length;
}

/**
 * A token that names something rather than being a word: a dotted or path-like name (a service,
 * a class, a file: "com.apple.x.daily:", "/var/log/x") or a name holding values ("node-<*>").
 */
function isName(token: string): boolean {
  return token !== WILDCARD && /[A-Za-z]/.test(token) && (/[\w>][./\\:$@][\w<]/.test(token) || token.includes(WILDCARD));
}

/** First constant token, '' when there is none. */
function anchorOf(tokens: readonly string[]): string {
  return tokens.find((t) => !looksVariable(t)) ?? '';
}

function constants(t: Template): number {
  return t.tokens.filter((x) => x !== WILDCARD).length;
}

function copyTemplate(t: Template): Template {
  const copy: Template = { id: t.id, revision: t.revision, tokens: [...t.tokens], size: t.size, slots: t.slots.map((s) => (s ? [...s] : null)) };
  if (t.sameAs !== undefined) copy.sameAs = t.sameAs;
  return copy;
}

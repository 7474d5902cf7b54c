import YAML, { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { deepEqual, isPlainObject } from './tree.js';

/**
 * Comment-preserving write-back.
 *
 * Given the file text, the values it holds (unexpanded, as `doc.toJS()` gives them) and the
 * values it should hold, produce new text in which every node that did not change keeps its
 * bytes: comments, quoting, blank lines, key order, flow lists, odd spacing. Only changed
 * nodes are rewritten, by splicing the source at the ranges the `yaml` parser reports.
 *
 * The result is checked by parsing it back; if the splice did not produce exactly the wanted
 * values (an exotic construct such as anchors), the `yaml` Document API re-renders the file
 * instead, which still keeps comments and key order but may normalise spacing.
 */
export function renderConfigChange(source: string, oldValues: unknown, newValues: unknown): { text: string; exact: boolean } {
  if (deepEqual(oldValues, newValues)) return { text: source, exact: true };
  const text = spliceConfigChange(source, oldValues, newValues);
  if (text !== undefined && deepEqual(parsedValues(text), newValues)) return { text, exact: true };
  return { text: rerenderConfigChange(source, oldValues, newValues), exact: false };
}

/**
 * The splice alone, unchecked (undefined when the file's shape does not allow it). Callers
 * that parse the result anyway check it themselves and use `rerenderConfigChange` when the
 * values differ.
 */
export function spliceConfigChange(source: string, oldValues: unknown, newValues: unknown): string | undefined {
  try {
    return spliceChanges(source, oldValues, newValues);
  } catch {
    return undefined;
  }
}

/** The fallback: the Document API re-renders the file (comments and key order kept, spacing normalised). */
export function rerenderConfigChange(source: string, oldValues: unknown, newValues: unknown): string {
  return rerenderDocument(source, oldValues, newValues);
}

function parsedValues(text: string): unknown {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new Error(doc.errors[0].message);
  return doc.toJS() ?? {};
}

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

class CannotSplice extends Error {}

function spliceChanges(source: string, oldValues: unknown, newValues: unknown): string {
  const doc = YAML.parseDocument(source);
  if (doc.errors.length) throw new CannotSplice('source does not parse');
  const root = doc.contents;
  if (!isMap(root) || root.flow) throw new CannotSplice('root is not a block mapping');
  const patcher = new Patcher(source, detectIndentSeq(source, root));
  patcher.patchRootMap(root, oldValues, newValues);
  // New lines follow the file's line endings; untouched lines keep theirs.
  const crlf = source.includes('\r\n');
  const edits = crlf ? patcher.edits.map((e) => ({ ...e, text: e.text.replace(/\r?\n/g, '\r\n') })) : patcher.edits;
  return applyEdits(source, edits);
}

function applyEdits(source: string, edits: TextEdit[]): string {
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const e of ordered) {
    if (e.start < pos) throw new CannotSplice('overlapping edits');
    out += source.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + source.slice(pos);
}

/** Whether block sequences under a key are indented (`key:\n  - a`) in this file. */
function detectIndentSeq(source: string, root: YAMLMap): boolean {
  for (const pair of root.items) {
    const v = pair.value;
    if (isSeq(v) && !v.flow && v.items.length && isNode(pair.key)) {
      return column(source, v.range![0]) > column(source, (pair.key as Node).range![0]);
    }
  }
  return true;
}

function isNode(x: unknown): x is Node {
  return isScalar(x) || isMap(x) || isSeq(x);
}

function lineStart(src: string, pos: number): number {
  return src.lastIndexOf('\n', pos - 1) + 1;
}

function column(src: string, pos: number): number {
  return pos - lineStart(src, pos);
}

function lineEndIncl(src: string, pos: number): number {
  const nl = src.indexOf('\n', pos);
  return nl === -1 ? src.length : nl + 1;
}

function lineEndExcl(src: string, pos: number): number {
  const nl = src.indexOf('\n', pos);
  return nl === -1 ? src.length : nl;
}

/** Index just past the last non-blank character of a node (block collections end with a newline). */
function contentEnd(src: string, node: Node): number {
  const [start, end] = node.range!;
  let e = end;
  while (e > start && /\s/.test(src[e - 1])) e--;
  return e;
}

function hasContent(node: unknown): node is Node {
  return isNode(node) && node.range !== undefined && node.range !== null && node.range[1] > node.range[0];
}

function isBlockScalar(node: Node): boolean {
  return isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
}

function isInlineNode(node: unknown): boolean {
  if (!hasContent(node)) return true;
  if (isScalar(node)) return !isBlockScalar(node);
  return (node as YAMLMap | YAMLSeq).flow === true;
}

function keyString(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

class Patcher {
  readonly edits: TextEdit[] = [];

  constructor(
    readonly src: string,
    readonly indentSeq: boolean,
  ) {}

  private edit(start: number, end: number, text: string): void {
    // Appending to a file that lacks its final newline: start a line first.
    const atOpenEnd = start === this.src.length && end === start && text !== '' && this.src !== '' && !this.src.endsWith('\n');
    this.edits.push({ start, end, text: atOpenEnd ? '\n' + text : text });
  }

  /** Rewrite `node` in place from `oldV` to `newV`. False when it cannot be done in place. */
  patchValue(node: unknown, oldV: unknown, newV: unknown, inFlow = false): boolean {
    if (deepEqual(oldV, newV)) return true;
    if (!hasContent(node)) return false;
    if (isScalar(node)) {
      if (isCollection(newV)) return false;
      if (isBlockScalar(node)) {
        this.edit(node.range![0], contentEnd(this.src, node), renderScalar(newV, 'QUOTE_DOUBLE', inFlow));
      } else {
        this.edit(node.range![0], node.range![1], renderScalar(newV, node.type, inFlow));
      }
      return true;
    }
    if (isMap(node) && isPlainObject(oldV) && isPlainObject(newV)) {
      if (node.flow) {
        this.edit(node.range![0], node.range![1], renderFlowValue(newV));
        return true;
      }
      return this.patchBlockMap(node, oldV, newV);
    }
    if (isSeq(node) && Array.isArray(oldV) && Array.isArray(newV)) {
      if (node.flow) {
        if (oldV.length === 0 && newV.some(isCollection)) return false;
        this.edit(node.range![0], node.range![1], this.flowSeqText(node, oldV, newV));
        return true;
      }
      if (newV.length === 0) return false;
      return this.patchBlockSeq(node, oldV, newV);
    }
    return false;
  }

  patchRootMap(root: YAMLMap, oldV: unknown, newV: unknown): void {
    if (!isPlainObject(oldV) || !isPlainObject(newV)) throw new CannotSplice('root values are not mappings');
    if (root.items.length === 0) throw new CannotSplice('empty root');
    if (!this.patchBlockMap(root, oldV, newV, true)) throw new CannotSplice('root cannot be patched');
  }

  private patchBlockMap(node: YAMLMap, oldV: Record<string, unknown>, newV: Record<string, unknown>, isRoot = false): boolean {
    const pairs = node.items as Pair[];
    if (pairs.length === 0 || !isNode(pairs[0].key)) return false;
    const survivors = pairs.filter((p) => keyString(p.key) in newV);
    if (survivors.length === 0) return false;
    const keyCol = column(this.src, (pairs[0].key as Node).range![0]);

    this.deletePairs(pairs, newV);
    for (const pair of survivors) {
      const k = keyString(pair.key);
      if (deepEqual(oldV[k], newV[k])) continue;
      if (!this.patchValue(pair.value, oldV[k], newV[k])) this.replacePairValue(pair, newV[k], keyCol);
    }

    const existing = new Set(pairs.map((p) => keyString(p.key)));
    const added = Object.keys(newV).filter((k) => !existing.has(k));
    if (added.length === 0) return true;
    const inline = added.filter((k) => !rendersAsBlock(newV[k]));
    const block = added.filter((k) => rendersAsBlock(newV[k]));
    const last = pairs[pairs.length - 1];
    const endOfMap = this.pairEnd(last);
    if (isRoot) {
      // A setting the file shows commented out (`# admin_password: "change-me"`) goes right
      // below that line; other new settings after the last plain setting, not below the lists.
      const rest = inline.filter((k) => {
        const at = this.commentedOutKey(k, pairs);
        if (at !== undefined) this.insertPairs(at, [k], newV, keyCol);
        return at === undefined;
      });
      const anchor = [...pairs].reverse().find((p) => isScalar(p.value) && !isBlockScalar(p.value as Node));
      if (rest.length) this.insertPairs(anchor ? this.pairEnd(anchor) : endOfMap, rest, newV, keyCol);
      if (block.length) this.insertPairs(endOfMap, block, newV, keyCol);
    } else {
      this.insertPairs(endOfMap, added, newV, keyCol);
    }
    return true;
  }

  private insertPairs(at: number, keys: string[], values: Record<string, unknown>, keyCol: number): void {
    this.edit(at, at, keys.map((k) => renderPair(k, values[k], keyCol, this.indentSeq) + '\n').join(''));
  }

  /** End of the top-level comment line `# key: ...` (the starter file's commented examples), if any. */
  private commentedOutKey(key: string, rootPairs: Pair[]): number | undefined {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^# ?${escaped}:.*$`, 'm').exec(this.src);
    if (!m) return undefined;
    // Not inside another setting's nested block, where a top-level key would cut it short.
    const inside = rootPairs.some(
      (p) => hasContent(p.value) && !isInlineNode(p.value) && m.index > (p.value as Node).range![0] && m.index < contentEnd(this.src, p.value as Node),
    );
    return inside ? undefined : lineEndIncl(this.src, m.index);
  }

  /** End of the line holding the pair's last content character (newline included). */
  private pairEnd(pair: Pair): number {
    const last = hasContent(pair.value) ? (pair.value as Node) : (pair.key as Node);
    return lineEndIncl(this.src, Math.max(contentEnd(this.src, last) - 1, 0));
  }

  private deletePairs(pairs: Pair[], newV: Record<string, unknown>): void {
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      if (keyString(pair.key) in newV) continue;
      const keyStart = (pair.key as Node).range![0];
      const ls = lineStart(this.src, keyStart);
      if (/^[ \t]*$/.test(this.src.slice(ls, keyStart))) {
        this.edit(ls, this.pairEnd(pair), '');
        continue;
      }
      // The key shares its line with a "- " (first key of a list item): pull the next
      // surviving key up onto that line.
      let j = i + 1;
      while (j < pairs.length && !(keyString(pairs[j].key) in newV)) j++;
      if (j === pairs.length) throw new CannotSplice('no surviving key');
      this.edit(keyStart, (pairs[j].key as Node).range![0], '');
      i = j - 1;
    }
  }

  private replacePairValue(pair: Pair, newV: unknown, keyCol: number): void {
    const keyNode = pair.key as Node;
    let colon = keyNode.range![1];
    while (colon < this.src.length && (this.src[colon] === ' ' || this.src[colon] === '\t')) colon++;
    if (this.src[colon] !== ':') throw new CannotSplice('no colon after key');
    const value = pair.value;
    const asBlock = rendersAsBlock(newV);
    const childIndent = Array.isArray(newV) ? keyCol + (this.indentSeq ? 2 : 0) : keyCol + 2;
    if (isInlineNode(value)) {
      const eol = lineEndExcl(this.src, colon);
      const valueEnd = hasContent(value) ? (value as Node).range![1] : colon + 1;
      if (asBlock) {
        const trailing = this.src.slice(valueEnd, eol);
        const comment = trailing.trim().startsWith('#') ? trailing : '';
        this.edit(colon + 1, eol, comment + '\n' + renderBlockValue(newV, childIndent, this.indentSeq));
      } else {
        this.edit(colon + 1, valueEnd, ' ' + renderInline(newV));
      }
      return;
    }
    const node = value as Node;
    const keyLineEnd = lineEndExcl(this.src, colon);
    const end = contentEnd(this.src, node);
    if (asBlock) {
      this.edit(keyLineEnd, end, '\n' + renderBlockValue(newV, childIndent, this.indentSeq));
    } else {
      const rest = this.src.slice(colon + 1, keyLineEnd);
      this.edit(colon + 1, end, ' ' + renderInline(newV) + (rest.trim() ? rest : ''));
    }
  }

  private flowSeqText(node: YAMLSeq, oldV: unknown[], newV: unknown[]): string {
    const oldKeys = itemKeys(oldV);
    const byKey = new Map(oldKeys.map((k, i) => [k, i]));
    const items = itemKeys(newV).map((k, j) => {
      const i = byKey.get(k);
      const item = i === undefined ? undefined : node.items[i];
      if (i !== undefined && isScalar(item) && hasContent(item) && deepEqual(oldV[i], newV[j])) {
        return this.src.slice(item.range![0], item.range![1]);
      }
      return renderFlowValue(newV[j]);
    });
    const padded = this.src[node.range![0] + 1] === ' ' && node.items.length > 0;
    if (items.length === 0) return '[]';
    return padded ? `[ ${items.join(', ')} ]` : `[${items.join(', ')}]`;
  }

  private patchBlockSeq(node: YAMLSeq, oldV: unknown[], newV: unknown[]): boolean {
    const items = node.items as unknown[];
    if (items.length !== oldV.length || items.length === 0) return false;
    const regions = items.map((item) => this.itemRegion(item));
    const dashCol = column(this.src, regions[0].dash);
    const match = matchItems(oldV, newV);
    const kept = match.filter((i): i is number => i !== undefined);
    const blankSeparated = regions.length > 1 && /\n[ \t]*\r?\n/.test(this.src.slice(regions[0].end - 1, regions[1].start));

    if (kept.length === 0 || kept.some((i, n) => n > 0 && i < kept[n - 1])) {
      this.rebuildSeq(items, regions, oldV, newV, match, dashCol, blankSeparated);
      return true;
    }

    const keptSet = new Set(kept);
    oldV.forEach((_, i) => {
      if (keptSet.has(i)) return;
      let { start, end } = regions[i];
      // Take the blank line that separated it along, so the list's spacing stays even.
      if (i > 0) start = this.blankLinesBefore(start, regions[i - 1].end);
      else if (regions.length > 1 && keptSet.has(1)) end = this.blankLinesAfter(end, regions[1].start);
      this.edit(start, end, '');
    });
    let anchorEnd: number | undefined;
    let pendingBefore = '';
    match.forEach((i, j) => {
      if (i === undefined) {
        const line = renderItemLine(newV[j], dashCol, this.indentSeq);
        if (anchorEnd === undefined) pendingBefore += line + (blankSeparated ? '\n' : '');
        else this.edit(anchorEnd, anchorEnd, (blankSeparated ? '\n' : '') + line);
        return;
      }
      if (pendingBefore) {
        this.edit(regions[i].start, regions[i].start, pendingBefore);
        pendingBefore = '';
      }
      if (!deepEqual(oldV[i], newV[j]) && !this.patchValue(items[i], oldV[i], newV[j])) this.replaceItem(items[i], newV[j], dashCol);
      anchorEnd = regions[i].end;
    });
    return true;
  }

  /** Start of the run of blank lines that ends at `pos` (not before `floor`). */
  private blankLinesBefore(pos: number, floor: number): number {
    let start = pos;
    while (start > floor) {
      const prev = lineStart(this.src, start - 1);
      if (prev < floor || this.src.slice(prev, start).trim() !== '') break;
      start = prev;
    }
    return start;
  }

  /** End of the run of blank lines that starts at `pos` (not past `ceiling`). */
  private blankLinesAfter(pos: number, ceiling: number): number {
    let end = pos;
    while (end < ceiling) {
      const next = lineEndIncl(this.src, end);
      if (next > ceiling || this.src.slice(end, next).trim() !== '') break;
      end = next;
    }
    return end;
  }

  private rebuildSeq(
    items: unknown[],
    regions: ItemRegion[],
    oldV: unknown[],
    newV: unknown[],
    match: (number | undefined)[],
    dashCol: number,
    blankSeparated: boolean,
  ): void {
    const gaps = regions.slice(1).map((r, i) => this.src.slice(regions[i].end, r.start));
    const pieces = match.map((i, j) => {
      if (i === undefined) return renderItemLine(newV[j], dashCol, this.indentSeq);
      const sub = new Patcher(this.src, this.indentSeq);
      if (!deepEqual(oldV[i], newV[j]) && !sub.patchValue(items[i], oldV[i], newV[j])) sub.replaceItem(items[i], newV[j], dashCol);
      const { start, end } = regions[i];
      const inside = sub.edits.filter((e) => e.start >= start && e.end <= end);
      if (inside.length !== sub.edits.length) throw new CannotSplice('item edit outside its region');
      const text = applyEdits(this.src.slice(0, end), inside).slice(start);
      return text.endsWith('\n') ? text : text + '\n';
    });
    let out = '';
    pieces.forEach((p, j) => {
      out += p;
      if (j < pieces.length - 1) out += j < gaps.length ? gaps[j] : blankSeparated ? '\n' : '';
    });
    const last = regions[regions.length - 1];
    if (last.end === this.src.length && !this.src.endsWith('\n')) out = out.replace(/\n$/, '');
    this.edit(regions[0].start, last.end, out);
  }

  private replaceItem(item: unknown, newV: unknown, dashCol: number): void {
    if (!hasContent(item)) throw new CannotSplice('empty list item');
    const node = item as Node;
    this.edit(node.range![0], contentEnd(this.src, node), renderItemContent(newV, dashCol + 2, this.indentSeq));
  }

  /** A list item's lines: from its "- " (with the comment lines right above it) to its last line. */
  private itemRegion(item: unknown): ItemRegion {
    if (!hasContent(item)) throw new CannotSplice('empty list item');
    const node = item as Node;
    let p = node.range![0] - 1;
    while (p >= 0 && /\s/.test(this.src[p])) p--;
    if (this.src[p] !== '-') throw new CannotSplice('list item without a dash');
    const dash = p;
    const ls = lineStart(this.src, dash);
    if (!/^[ \t]*$/.test(this.src.slice(ls, dash))) throw new CannotSplice('nested dash');
    const dashCol = dash - ls;
    let start = ls;
    while (start > 0) {
      const prevStart = lineStart(this.src, start - 1);
      const line = this.src.slice(prevStart, start - 1);
      const indent = line.length - line.trimStart().length;
      if (!line.trimStart().startsWith('#') || indent !== dashCol) break;
      start = prevStart;
    }
    const end = lineEndIncl(this.src, Math.max(contentEnd(this.src, node) - 1, 0));
    return { start, end, dash };
  }
}

interface ItemRegion {
  start: number;
  end: number;
  dash: number;
}

/**
 * Identity of list items across a change: entries with an `id` (downstreams, rules, alias
 * options) or an `input_model_id` (alias groups) by that; scalars by value; pipeline steps by
 * plugin; anything else by position. Repeats get an occurrence number.
 */
function itemKeys(values: unknown[]): string[] {
  const seen = new Map<string, number>();
  return values.map((v, i) => {
    let base: string;
    if (isPlainObject(v) && typeof v.id === 'string') base = `id:${v.id}`;
    else if (isPlainObject(v) && typeof v.input_model_id === 'string') base = `group:${v.input_model_id}`;
    else if (isPlainObject(v) && typeof v.plugin_id === 'string') base = `plugin:${v.plugin_id}`;
    else if (!isCollection(v)) base = `value:${JSON.stringify(v)}`;
    else base = `index:${i}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return `${base}#${n}`;
  });
}

/**
 * For each new item, the old item it continues (undefined: a new item). Items pair up by
 * identity first; when identities keep their order, an unpaired new item also takes over the
 * unpaired old item of the same kind in the same place (an edited scalar, a renamed entry),
 * so it is edited in place rather than deleted and re-added.
 */
function matchItems(oldV: unknown[], newV: unknown[]): (number | undefined)[] {
  const byKey = new Map(itemKeys(oldV).map((k, i) => [k, i]));
  const match = itemKeys(newV).map((k) => byKey.get(k));
  const kept = match.filter((i): i is number => i !== undefined);
  if (kept.some((i, n) => n > 0 && i < kept[n - 1])) return match;
  const taken = new Set(kept);
  let prevOld = -1;
  match.forEach((i, j) => {
    if (i !== undefined) {
      prevOld = i;
      return;
    }
    const nextKept = match.slice(j + 1).find((x) => x !== undefined) ?? oldV.length;
    const candidate = prevOld + 1;
    if (candidate < nextKept && !taken.has(candidate) && isCollection(oldV[candidate]) === isCollection(newV[j])) {
      match[j] = candidate;
      taken.add(candidate);
      prevOld = candidate;
    }
  });
  return match;
}

function isCollection(v: unknown): boolean {
  return Array.isArray(v) || isPlainObject(v);
}

// ---- rendering new nodes ----

const FLOW_INDICATORS = /[,[\]{}]/;

function renderScalar(value: unknown, type: Scalar['type'] | undefined, inFlow: boolean): string {
  let t = type;
  if (typeof value === 'string') {
    if (value.includes('\n') || t === 'BLOCK_LITERAL' || t === 'BLOCK_FOLDED') t = 'QUOTE_DOUBLE';
    if (inFlow && (t === undefined || t === 'PLAIN') && FLOW_INDICATORS.test(value)) t = 'QUOTE_DOUBLE';
  } else if (t === 'QUOTE_DOUBLE' || t === 'QUOTE_SINGLE' || t === 'BLOCK_LITERAL' || t === 'BLOCK_FOLDED') {
    t = 'PLAIN';
  }
  const node = new YAML.Scalar(value === undefined ? null : value);
  if (t) node.type = t;
  return new YAML.Document(node).toString({ lineWidth: 0 }).replace(/\n$/, '');
}

function renderFlowValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(renderFlowValue).join(', ')}]`;
  if (isPlainObject(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${renderScalar(k, 'PLAIN', true)}: ${renderFlowValue(x)}`)
      .join(', ')}}`;
  }
  return renderScalar(v, undefined, true);
}

function renderInline(v: unknown): string {
  return isCollection(v) ? renderFlowValue(v) : renderScalar(v, undefined, false);
}

/** Short lists of plain values stay on one line (`[a, b]`); everything else nests. */
function rendersAsBlock(v: unknown): boolean {
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  if (Array.isArray(v)) {
    if (v.length === 0) return false;
    if (v.some(isCollection)) return true;
    return renderFlowValue(v).length > 80;
  }
  return false;
}

function renderPair(key: string, value: unknown, indent: number, indentSeq: boolean): string {
  const head = ' '.repeat(indent) + renderScalar(key, 'PLAIN', false) + ':';
  if (!rendersAsBlock(value)) return `${head} ${renderInline(value)}`;
  const child = Array.isArray(value) ? indent + (indentSeq ? 2 : 0) : indent + 2;
  return `${head}\n${renderBlockValue(value, child, indentSeq)}`;
}

/** A nested value's lines at `indent`, without a final newline. */
function renderBlockValue(value: unknown, indent: number, indentSeq: boolean): string {
  if (Array.isArray(value)) {
    return value.map((item) => ' '.repeat(indent) + '- ' + renderItemContent(item, indent + 2, indentSeq)).join('\n');
  }
  if (isPlainObject(value)) {
    return Object.entries(value)
      .map(([k, v]) => renderPair(k, v, indent, indentSeq))
      .join('\n');
  }
  return ' '.repeat(indent) + renderInline(value);
}

/** What follows "- " for a list item whose continuation lines sit at `indent`. */
function renderItemContent(value: unknown, indent: number, indentSeq: boolean): string {
  if (isPlainObject(value) && Object.keys(value).length > 0) return renderBlockValue(value, indent, indentSeq).slice(indent);
  return renderInline(value);
}

function renderItemLine(value: unknown, dashCol: number, indentSeq: boolean): string {
  return ' '.repeat(dashCol) + '- ' + renderItemContent(value, dashCol + 2, indentSeq) + '\n';
}

// ---- fallback: Document API ----

function rerenderDocument(source: string, oldValues: unknown, newValues: unknown): string {
  const doc = YAML.parseDocument(source);
  // Changing an anchored node in place would change its aliases too: give each alias its own copy.
  YAML.visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      return target ? (target.clone() as Node) : undefined;
    },
  });
  YAML.visit(doc, {
    Node(_, node) {
      if ('anchor' in node) node.anchor = undefined;
    },
  });
  doc.contents = syncNode(doc, doc.contents, oldValues, newValues) as typeof doc.contents;
  return doc.toString({ lineWidth: 0 });
}

function syncNode(doc: YAML.Document, node: unknown, oldV: unknown, newV: unknown): unknown {
  if (deepEqual(oldV, newV) && node) return node;
  if (isMap(node) && isPlainObject(oldV) && isPlainObject(newV)) {
    for (const k of Object.keys(oldV)) if (!(k in newV)) node.delete(k);
    for (const [k, v] of Object.entries(newV)) {
      const child = node.get(k, true);
      node.set(k, child === undefined ? doc.createNode(v) : syncNode(doc, child, oldV[k], v));
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(oldV) && Array.isArray(newV)) {
    const byKey = new Map(itemKeys(oldV).map((k, i) => [k, i]));
    node.items = itemKeys(newV).map((k, j) => {
      const i = byKey.get(k);
      return i === undefined ? doc.createNode(newV[j]) : (syncNode(doc, node.items[i], oldV[i], newV[j]) as Node);
    });
    return node;
  }
  if (isScalar(node) && !isCollection(newV)) {
    node.value = newV;
    return node;
  }
  return doc.createNode(newV);
}

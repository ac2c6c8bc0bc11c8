import { lineAt } from './xml-text.ts'

/**
 * A strictly read XML document, stored as typed columns of integers rather than one object per
 * element: a catalog has hundreds of thousands of elements, and as long-lived objects (or plain
 * arrays) they took about three times as long to read, mostly in garbage collection and fresh memory.
 * Elements are numbered in document order, the root is 0; attribute values stay slices of the text
 * unless they needed decoding. Filled in by scanXml; read through XmlElement.
 */
export class XmlDocument {
  readonly text: string
  readonly source: string | undefined
  /** Interned element and attribute names; the name columns index into it. */
  readonly names: string[] = []
  elementCount = 0
  elementName: Int32Array
  elementOffset: Int32Array
  /** -1 when there is none. */
  firstChild: Int32Array
  nextSibling: Int32Array
  /** The attributes of element e are [firstAttribute[e], firstAttribute[e + 1]), since they are read in order. */
  firstAttribute: Int32Array
  /** 0 when the element has no character data, else 1 + its index in `texts`. */
  elementText: Int32Array
  attributeCount = 0
  attributeName: Int32Array
  /** Where the raw value is in the text; a negative start -1 - i means the value is decodedValues[i]. */
  valueStart: Int32Array
  valueEnd: Int32Array
  /** Values that needed decoding (references, whitespace normalisation). */
  readonly decodedValues: string[] = []
  /** Character data of the few elements that have any. */
  readonly texts: string[] = []

  constructor (text: string, source: string | undefined) {
    this.text = text
    this.source = source
    // Typed columns sized from the text (about one element per 32 characters in our formats): fresh
    // memory is what reading costs most, and 4 bytes an entry with no regrowth touches the least.
    const elements = Math.max(64, text.length >> 5)
    this.elementName = new Int32Array(elements)
    this.elementOffset = new Int32Array(elements)
    this.firstChild = new Int32Array(elements)
    this.nextSibling = new Int32Array(elements)
    this.firstAttribute = new Int32Array(elements + 1)
    this.elementText = new Int32Array(elements)
    const attributes = Math.max(64, text.length >> 4)
    this.attributeName = new Int32Array(attributes)
    this.valueStart = new Int32Array(attributes)
    this.valueEnd = new Int32Array(attributes)
  }

  /** Makes room for one more element (doubling the element columns when full). */
  reserveElement (): void {
    if (this.elementCount + 1 < this.elementName.length) return
    const size = this.elementName.length * 2
    this.elementName = grow(this.elementName, size)
    this.elementOffset = grow(this.elementOffset, size)
    this.firstChild = grow(this.firstChild, size)
    this.nextSibling = grow(this.nextSibling, size)
    this.firstAttribute = grow(this.firstAttribute, size + 1)
    this.elementText = grow(this.elementText, size)
  }

  /** Makes room for one more attribute. */
  reserveAttribute (): void {
    if (this.attributeCount < this.attributeName.length) return
    const size = this.attributeName.length * 2
    this.attributeName = grow(this.attributeName, size)
    this.valueStart = grow(this.valueStart, size)
    this.valueEnd = grow(this.valueEnd, size)
  }

  /** 1-based line of a UTF-16 offset into the text. */
  lineAt (offset: number): number {
    return lineAt(this.text, offset)
  }

  attributeEnd (element: number): number {
    return this.firstAttribute[element + 1] ?? 0
  }

  attributeValue (attribute: number): string {
    const start = this.valueStart[attribute] ?? 0
    return start < 0 ? this.decodedValues[-1 - start] ?? '' : this.text.slice(start, this.valueEnd[attribute])
  }

  /** The character data of an element, '' when it has none. */
  textOf (element: number): string {
    const text = this.elementText[element] ?? 0
    return text === 0 ? '' : this.texts[text - 1] ?? ''
  }
}

function grow (column: Int32Array, size: number): Int32Array {
  const grown = new Int32Array(size)
  grown.set(column)
  return grown
}

/** A handle on one element of an XmlDocument; cheap to create, so every accessor makes new ones. */
export class XmlElement {
  readonly document: XmlDocument
  readonly index: number

  constructor (document: XmlDocument, index: number) {
    this.document = document
    this.index = index
  }

  get name (): string {
    return this.document.names[this.document.elementName[this.index] ?? -1] ?? ''
  }

  /** Offset of the element's `<` in the document text. */
  get offset (): number {
    return this.document.elementOffset[this.index] ?? 0
  }

  get line (): number {
    return this.document.lineAt(this.offset)
  }

  /** Child elements in document order (a new array each call, allocated at its exact size). */
  get children (): XmlElement[] {
    const document = this.document
    let count = 0
    for (let child = document.firstChild[this.index] ?? -1; child !== -1; child = document.nextSibling[child] ?? -1) count++
    const children = new Array<XmlElement>(count)
    for (let child = document.firstChild[this.index] ?? -1, i = 0; child !== -1; child = document.nextSibling[child] ?? -1, i++) {
      children[i] = new XmlElement(document, child)
    }
    return children
  }

  /** Character data directly inside the element; whitespace-only runs between markup are dropped. */
  get text (): string {
    return this.document.textOf(this.index)
  }

  /** Names of the element's attributes in document order. */
  get attributeNames (): string[] {
    const document = this.document
    const names: string[] = []
    for (let a = document.firstAttribute[this.index] ?? 0; a < document.attributeEnd(this.index); a++) {
      names.push(document.names[document.attributeName[a] ?? -1] ?? '')
    }
    return names
  }

  /** The decoded value of an attribute, or undefined when absent. */
  attribute (name: string): string | undefined {
    const document = this.document
    const end = document.attributeEnd(this.index)
    for (let a = document.firstAttribute[this.index] ?? 0; a < end; a++) {
      if (document.names[document.attributeName[a] ?? -1] === name) return document.attributeValue(a)
    }
    return undefined
  }
}

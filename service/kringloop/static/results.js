// Rendering SPARQL answers into the page. Every value from an answer is set as text
// (textContent, attributes through setAttribute), never parsed as HTML.

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(
  [
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
  ].map((name) => XSD + name),
);
// Only web IRIs become links: a "javascript:" or "data:" IRI is shown as text.
const LINKABLE = /^https?:\/\//i;

/** "{n} rows" with the values filled in. */
export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

/** An element with attributes and, optionally, text. */
export function element(tag, attributes = {}, text = undefined) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** "kl:Thema" for an IRI in a known namespace (the longest match), else null. */
export function compact(iri, prefixes) {
  let best = null;
  for (const [prefix, namespace] of Object.entries(prefixes)) {
    if (iri.length > namespace.length && iri.startsWith(namespace)) {
      if (best === null || namespace.length > best.namespace.length) {
        best = { prefix, namespace };
      }
    }
  }
  return best === null ? null : `${best.prefix}:${iri.slice(best.namespace.length)}`;
}

/** One RDF term of a SPARQL JSON answer as a DOM node. */
export function renderTerm(term, prefixes) {
  switch (term.type) {
    case "uri": {
      const shown = compact(term.value, prefixes) ?? term.value;
      if (LINKABLE.test(term.value)) {
        return element("a", { class: "iri", href: term.value, title: term.value }, shown);
      }
      return element("span", { class: "iri", title: term.value }, shown);
    }
    case "literal":
    case "typed-literal":
      return renderLiteral(term, prefixes);
    case "bnode":
      return element("span", { class: "bnode" }, `_:${term.value}`);
    case "triple": {
      const quoted = element("span", { class: "triple" }, "<< ");
      for (const part of ["subject", "predicate", "object"]) {
        quoted.append(renderTerm(term.value[part], prefixes), " ");
      }
      quoted.append(">>");
      return quoted;
    }
    default:
      return element("span", {}, String(term.value));
  }
}

function renderLiteral(term, prefixes) {
  const literal = element("span", { class: "literal" });
  literal.append(element("span", { class: "literal-value" }, term.value));
  const language = term["xml:lang"];
  if (language) {
    literal.append(element("span", { class: "literal-lang", title: "rdf:langString" }, `@${language}`));
  } else if (term.datatype && term.datatype !== `${XSD}string`) {
    const shown = compact(term.datatype, prefixes) ?? `<${term.datatype}>`;
    literal.append(element("span", { class: "literal-datatype", title: term.datatype }, `^^${shown}`));
  }
  return literal;
}

/** "1 row" / "12 rows" in the page's language. */
export function rowCount(count, texts, language) {
  return count === 1 ? texts.rows_one : format(texts.rows_many, { n: count.toLocaleString(language) });
}

/** A SELECT answer as a table; returns the node and the number of rows. */
export function renderSolutions(answer, prefixes, texts, language) {
  const variables = answer.head?.vars ?? [];
  const bindings = answer.results?.bindings ?? [];
  const table = element("table", { class: "results-table" });
  table.append(element("caption", {}, rowCount(bindings.length, texts, language)));
  const headRow = element("tr");
  for (const variable of variables) {
    headRow.append(element("th", { scope: "col" }, `?${variable}`));
  }
  const head = element("thead");
  head.append(headRow);
  table.append(head);
  const body = element("tbody");
  const rows = document.createDocumentFragment();
  for (const binding of bindings) {
    const row = element("tr");
    for (const variable of variables) {
      const term = binding[variable];
      if (term === undefined) {
        row.append(element("td", { class: "unbound", title: texts.unbound }));
        continue;
      }
      const cell = element("td");
      if (NUMERIC.has(term.datatype)) {
        cell.classList.add("number");
      }
      cell.append(renderTerm(term, prefixes));
      row.append(cell);
    }
    rows.append(row);
  }
  body.append(rows);
  table.append(body);
  // A wide table scrolls inside its own region, which the keyboard can reach.
  const region = element("div", {
    class: "table-scroll",
    role: "region",
    tabindex: "0",
    "aria-label": rowCount(bindings.length, texts, language),
  });
  region.append(table);
  return { node: region, count: bindings.length };
}

/** An ASK answer. */
export function renderBoolean(answer, texts) {
  const paragraph = element("p", { class: "boolean-answer" }, `${texts.answer} `);
  const value = answer.boolean === true;
  paragraph.append(element("strong", { class: `boolean boolean-${value}` }, String(value)));
  return paragraph;
}

/** A CONSTRUCT or DESCRIBE answer: the Turtle text as it came. */
export function renderGraph(turtle) {
  return element("pre", { class: "turtle", tabindex: "0" }, turtle);
}

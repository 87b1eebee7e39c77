// The query page: load examples, send the query to /sparql, show the answer, offer downloads.
// The page's data (texts, examples, formats) comes from a JSON block the server rendered.

import { element, format, renderBoolean, renderGraph, renderSolutions, rowCount } from "./results.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const texts = data.texts;

const form = document.getElementById("query-form");
const textarea = document.getElementById("query");
const runButton = document.getElementById("run");
const statusLine = document.getElementById("status");
const notice = document.getElementById("notice");
const errorBox = document.getElementById("error");
const result = document.getElementById("result");
const downloads = document.getElementById("downloads");

// Solutions and booleans as SPARQL JSON; graphs (CONSTRUCT, DESCRIBE) as Turtle.
const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
const RESULTS_JSON = "application/sparql-results+json";
const TURTLE = "text/turtle";

let running = null; // the AbortController of the query in flight

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});

textarea.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});

document.getElementById("examples")?.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-example]");
  if (link === null || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
    return; // a new tab or window gets the server-rendered page
  }
  const text = data.examples[link.dataset.example];
  if (text === undefined) {
    return;
  }
  event.preventDefault();
  textarea.value = text;
  setPageUrl(new URL(link.href));
  statusLine.textContent = format(texts.example_loaded, { title: link.textContent.trim() });
  textarea.focus();
  textarea.setSelectionRange(0, 0);
  textarea.scrollTop = 0;
});

async function run() {
  const query = textarea.value;
  running?.abort();
  clearAnswer();
  if (!query.trim()) {
    showProblem({ title: texts.empty_query });
    return;
  }
  const controller = new AbortController();
  running = controller;
  statusLine.textContent = texts.running;
  runButton.disabled = true;
  result.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(data.sparql, {
      method: "POST",
      headers: { Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
      body: new URLSearchParams({ query }),
      signal: controller.signal,
    });
    if (!response.ok) {
      showProblem(await readProblem(response), query);
      return;
    }
    shareQuery(query);
    await showAnswer(response, query);
  } catch (error) {
    if (error.name !== "AbortError") {
      showProblem({ title: texts.error, detail: format(texts.unreachable, { reason: error.message }) });
    }
  } finally {
    if (running === controller) {
      running = null;
      runButton.disabled = false;
      result.removeAttribute("aria-busy");
    }
  }
}

async function showAnswer(response, query) {
  const mediaType = (response.headers.get("Content-Type") ?? "").split(";")[0].trim();
  let cap = data.resultCap;
  if (mediaType === RESULTS_JSON) {
    const answer = await response.json();
    cap = answer.kringloop?.resultCap ?? cap;
    if (typeof answer.boolean === "boolean") {
      result.replaceChildren(renderBoolean(answer, texts));
      statusLine.textContent = `${texts.answer} ${answer.boolean}`;
    } else {
      const { node, count } = renderSolutions(answer, data.prefixes, texts, data.lang);
      result.replaceChildren(node);
      statusLine.textContent = rowCount(count, texts, data.lang);
    }
    offerDownloads(query, data.downloads.results);
  } else if (mediaType === TURTLE) {
    result.replaceChildren(renderGraph(await response.text()));
    statusLine.textContent = texts.graph;
    offerDownloads(query, data.downloads.rdf);
  } else {
    showProblem({ title: texts.error, detail: `${response.status} ${mediaType}` });
    return;
  }
  if (response.headers.get("Kringloop-Truncated") === "true") {
    notice.textContent = format(texts.truncated, { cap: cap.toLocaleString(data.lang) });
    notice.hidden = false;
  }
}

function clearAnswer() {
  notice.hidden = true;
  notice.replaceChildren();
  errorBox.hidden = true;
  errorBox.replaceChildren();
  result.replaceChildren();
  downloads.hidden = true;
  downloads.replaceChildren();
}

/** The problem details of a failed answer (RFC 9457), or what can be made of the body. */
async function readProblem(response) {
  const body = await response.text();
  try {
    const problem = JSON.parse(body);
    if (problem && typeof problem === "object") {
      return problem;
    }
  } catch {
    // not JSON: a proxy's or server's own error page
  }
  return { title: `${response.status} ${response.statusText}`, detail: body.slice(0, 500) };
}

function showProblem(problem, query = undefined) {
  statusLine.textContent = texts.error;
  const parts = [element("h3", {}, problem.title ?? texts.error)];
  if (problem.detail) {
    parts.push(element("p", { class: "error-detail" }, problem.detail));
  }
  if (Number.isInteger(problem.line) && Number.isInteger(problem.column)) {
    const position = element("p", { class: "error-position" });
    position.append(format(texts.position, { line: problem.line, column: problem.column }), " ");
    const jump = element("button", { type: "button", class: "link-button" }, texts.goto_error);
    jump.addEventListener("click", () => selectPosition(query ?? textarea.value, problem.line, problem.column));
    position.append(jump);
    parts.push(position);
  }
  errorBox.replaceChildren(...parts);
  errorBox.hidden = false;
}

/** Put the caret where the engine reported the error (line and column count from 1). */
function selectPosition(query, line, column) {
  const lines = query.split("\n");
  const index = Math.min(Math.max(line, 1), lines.length) - 1;
  let offset = 0;
  for (let i = 0; i < index; i += 1) {
    offset += lines[i].length + 1;
  }
  offset += Math.min(Math.max(column - 1, 0), lines[index].length);
  textarea.focus();
  textarea.setSelectionRange(offset, Math.min(offset + 1, textarea.value.length));
}

/** The address bar holds the query that was run, so the URL can be shared. */
function shareQuery(query) {
  const url = new URL(data.page, window.location.href);
  url.searchParams.set("lang", data.lang);
  url.searchParams.set("query", query);
  if (url.href.length > data.maxLinkLength) {
    url.searchParams.delete("query");
  }
  setPageUrl(url);
}

/** Change the address without reloading; the language switch keeps the same arguments. */
function setPageUrl(url) {
  window.history.replaceState(null, "", url.pathname + url.search);
  for (const link of document.querySelectorAll(".language-switch a[hreflang]")) {
    const switched = new URL(url.href);
    switched.searchParams.set("lang", link.hreflang);
    link.href = switched.pathname + switched.search;
  }
}

function offerDownloads(query, formats) {
  const list = element("ul");
  for (const choice of formats) {
    const search = new URLSearchParams({ query, format: choice.format });
    const href = `${data.sparql}?${search}`;
    const fileName = `kringloop.${choice.format}`;
    let control;
    if (new URL(href, window.location.href).href.length <= data.maxLinkLength) {
      control = element("a", { href, download: fileName, type: choice.mediaType }, choice.label);
    } else {
      // Too long for a URL: fetch it by POST and save what comes back.
      control = element("button", { type: "button", class: "link-button" }, choice.label);
      control.addEventListener("click", () => downloadByPost(query, choice, fileName));
    }
    control.dataset.format = choice.format;
    const item = element("li");
    item.append(control);
    list.append(item);
  }
  downloads.replaceChildren(element("p", {}, texts.downloads_hint), list);
  downloads.hidden = false;
}

async function downloadByPost(query, choice, fileName) {
  try {
    const response = await fetch(data.sparql, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
      body: new URLSearchParams({ query, format: choice.format }),
    });
    if (!response.ok) {
      showProblem(await readProblem(response), query);
      return;
    }
    const address = URL.createObjectURL(await response.blob());
    const link = element("a", { href: address, download: fileName });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(address), 60000);
  } catch (error) {
    showProblem({ title: texts.error, detail: format(texts.download_failed, { reason: error.message }) });
  }
}

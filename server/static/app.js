// The browser form: an intro, then one question at a time using POST /next
// (first what can change the outcome, then, once it is self-care, the
// optional questions that could add a caution, marked as such), then the
// verdict. Plain JavaScript, no build step, no third-party code.
//
// People see question texts and choice labels, never ids; sources, file
// names and the rule-set hash sit in a collapsed "details" section. Focus
// moves to each new question and to the result, and the #status live region
// announces them. Every render bumps body[data-step] so tests (and people)
// can tell a new screen from the old.
"use strict";

// The headline and what to do come with the verdict: they are the rule
// set's wording, reviewed with the rules, and every renderer shows the same.

// answers and skip are what POST /next is sent. history lists the questions
// answered or skipped, in order, as {id, optional}, for Back. remembered keeps every answer
// given, also those taken back with Back, so that a question asked again
// shows the earlier answer (nothing counts until it is given again).
const state = { answers: {}, skip: [], history: [], remembered: {} };
let questions = {}; // id -> question, from GET /questionnaire
let current = null; // the question on screen: {q, optional, submit}
let step = 0;
let announcing = 0; // the timer that fills the live region

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
}

const screens = ["intro", "question", "verdict", "error"];

// show hides every screen but one, announces it and moves focus to target.
function show(kind, target, announcement) {
  for (const s of screens) $(s).hidden = s !== kind;
  step++;
  document.body.dataset.step = String(step);
  document.body.dataset.screen = kind;
  // Clear, then set, so that the same words twice are announced twice; a
  // screen left quickly is not announced after the next one.
  $("status").textContent = "";
  clearTimeout(announcing);
  announcing = setTimeout(() => ($("status").textContent = announcement), 50);
  target.focus();
  window.scrollTo(0, 0);
}

function questionText(id) {
  return questions[id] ? questions[id].text : id;
}

// answerText renders an answer as the person gave it: Yes or No, choice
// labels, a number with its unit.
function answerText(id, value) {
  const q = questions[id] || {};
  if (value === true) return "Yes";
  if (value === false) return "No";
  const label = (v) => ((q.choices || []).find((c) => c.value === v) || { label: v }).label;
  if (Array.isArray(value)) return value.length === 0 ? "None of them" : value.map(label).join(", ");
  if (typeof value === "string") return label(value);
  return String(value) + (q.unit ? " " + q.unit : "");
}

function showError(message, errors) {
  const detail = (errors || []).map((e) => (questions[e.question] ? "“" + questionText(e.question) + "”: " : "") + e.message);
  $("error-text").textContent = "Something went wrong: " + message + (detail.length ? " (" + detail.join("; ") + ")" : "");
  $("error").hidden = false;
  show("error", $("error-text"), "Something went wrong. No result has been given.");
}

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw Object.assign(new Error(data.error || res.statusText), { errors: data.errors });
  return data;
}

async function advance() {
  try {
    const r = await post("next", { answers: state.answers, skip: state.skip });
    if (r.done) showVerdict(r.verdict);
    else showQuestion(r.question, r.optional === true, r.remaining || 1);
  } catch (e) {
    showError(e.message, e.errors);
  }
}

function answer(q, value) {
  state.answers[q.id] = value;
  state.remembered[q.id] = value;
  state.history.push({ id: q.id, optional: current.optional });
  advance();
}

function progress(optional, remaining) {
  const left = "about " + remaining + (remaining === 1 ? " question" : " questions") + " left";
  if (optional) return "Optional question · " + left;
  return "Question " + (state.history.length + 1) + " · " + left;
}

function showQuestion(q, optional, remaining) {
  const form = $("question");
  form.dataset.id = q.id;
  form.dataset.optional = String(optional);
  const where = progress(optional, remaining);
  $("progress").textContent = where;
  // An optional question cannot change the outcome, only add a caution.
  $("optional-note").hidden = !optional;
  $("skip").textContent = optional ? "Skip this optional question" : "Skip this question";
  $("question-text").textContent = q.text;
  $("question-help").textContent = q.help || "";
  $("question-help").hidden = !q.help;
  $("question-error").hidden = true;
  $("back").disabled = state.history.length === 0;
  const before = state.remembered[q.id];
  $("earlier").textContent = before === undefined ? "" : "Your earlier answer: " + answerText(q.id, before) + ".";
  $("earlier").hidden = before === undefined;

  const controls = $("controls");
  controls.replaceChildren();
  controls.onchange = null;
  controls.className = "controls-" + q.type;
  const problem = (msg) => {
    $("question-error").textContent = msg;
    $("question-error").hidden = false;
  };
  let submit = null; // reads the controls on Next (or Enter); boolean questions answer on their button

  switch (q.type) {
    case "boolean":
      for (const [label, value] of [["Yes", true], ["No", false]]) {
        controls.append(el("button", {
          type: "button", id: "answer-" + label.toLowerCase(), textContent: label,
          className: "answer" + (before === value ? " earlier-choice" : ""), onclick: () => answer(q, value),
        }));
      }
      break;
    case "integer":
    case "number": {
      const input = el("input", { type: "number", id: "answer-number", required: true, inputMode: q.type === "integer" ? "numeric" : "decimal" });
      input.step = q.type === "integer" ? "1" : "any";
      if (q.min !== undefined) input.min = q.min;
      if (q.max !== undefined) input.max = q.max;
      if (typeof before === "number") input.value = String(before);
      const label = el("label", { htmlFor: "answer-number", className: "number-label", textContent: "Your answer" + (q.unit ? " (" + q.unit + ")" : "") });
      controls.append(label, input);
      submit = () => {
        if (input.value === "" || !input.checkValidity()) {
          return problem(q.type === "integer" ? "Please enter a whole number" + range(q) + "." : "Please enter a number" + range(q) + ".");
        }
        answer(q, Number(input.value));
      };
      break;
    }
    case "choice":
      for (const c of q.choices) {
        const box = el("input", { type: "radio", name: "choice", value: c.value, checked: before === c.value });
        controls.append(el("label", { className: "option" }, box, el("span", { textContent: c.label })));
      }
      submit = () => {
        const picked = controls.querySelector("input[name=choice]:checked");
        if (!picked) return problem("Please pick one.");
        answer(q, picked.value);
      };
      break;
    case "multichoice": {
      for (const c of q.choices) {
        const box = el("input", { type: "checkbox", name: "pick", value: c.value, checked: Array.isArray(before) && before.includes(c.value) });
        controls.append(el("label", { className: "option" }, box, el("span", { textContent: c.label })));
      }
      // "None of them" is an answer of its own, as the rule set's help
      // text ("pick none of them") says: nothing ticked is not an answer,
      // "none" must be said, never assumed.
      const none = el("input", { type: "checkbox", id: "answer-none", checked: Array.isArray(before) && before.length === 0 });
      controls.append(el("label", { className: "option none" }, none, el("span", { textContent: "None of them" })));
      // "None of them" and the choices exclude each other.
      controls.onchange = (ev) => {
        if (ev.target === none && none.checked) controls.querySelectorAll("input[name=pick]").forEach((b) => (b.checked = false));
        if (ev.target.name === "pick" && ev.target.checked) none.checked = false;
      };
      submit = () => {
        const picked = [...controls.querySelectorAll("input[name=pick]:checked")].map((b) => b.value);
        if (picked.length === 0 && !none.checked) return problem("Please tick what applies, or tick “None of them”.");
        answer(q, picked);
      };
      break;
    }
    default:
      problem("This question cannot be shown here.");
  }
  if (submit) controls.append(el("button", { type: "submit", id: "submit", className: "primary", textContent: "Next" }));
  current = { q, optional, submit };
  show("question", $("question-text"), where + ". " + q.text);
}

function range(q) {
  if (q.min !== undefined && q.max !== undefined) return " from " + q.min + " to " + q.max;
  if (q.min !== undefined) return " of at least " + q.min;
  if (q.max !== undefined) return " of at most " + q.max;
  return "";
}

function citation(c) {
  const text = c.title + " (" + c.source_id + "), section: " + c.section;
  if (!c.url) return document.createTextNode(text);
  return el("a", { href: c.url, textContent: text, rel: "noreferrer" });
}

// because says which answers decided a reason, as question text and answer.
function because(evidence) {
  const line = (e) => questionText(e.question) + " — " + answerText(e.question, e.value);
  if (evidence.length === 1) return el("p", { className: "because", textContent: "Because you answered: " + line(evidence[0]) });
  const box = el("div", { className: "because" }, el("p", { textContent: "Because you answered:" }));
  box.append(el("ul", {}, ...evidence.map((e) => el("li", { textContent: line(e) }))));
  return box;
}

// sourcesOf lists, for the details section, what one reason or piece of
// guidance is based on.
function sourcesOf(title, item) {
  const li = el("li", {}, el("strong", { textContent: title + ": " }), citation(item.source));
  for (const c of item.see_also || []) li.append("; see also ", citation(c));
  return li;
}

let lastVerdict = null;

function showVerdict(v) {
  lastVerdict = v;
  const headline = v.headline || v.outcome;
  $("outcome").textContent = headline;
  $("what-to-do").textContent = v.what_to_do || "";
  $("verdict").dataset.outcome = v.outcome;
  const reasons = $("reasons");
  reasons.replaceChildren();
  const sources = [];
  for (const r of v.reasons) {
    const kind = r.action === "refer" ? "Red flag: " : "Caution: ";
    const div = el("div", { className: "reason " + r.action });
    div.dataset.rule = r.rule_id;
    div.append(el("h3", { textContent: kind + r.title }));
    div.append(el("p", { textContent: r.advice }));
    if (r.evidence.length > 0) div.append(because(r.evidence));
    reasons.append(div);
    sources.push(sourcesOf(kind + r.title, r));
  }
  $("missing-list").replaceChildren(...v.missing.map((id) => el("li", { textContent: questionText(id) })));
  $("missing").hidden = v.missing.length === 0;
  const optional = v.optional || [];
  $("optional-list").replaceChildren(...optional.map((id) => el("li", { textContent: questionText(id) })));
  $("optional").hidden = optional.length === 0;
  const care = v.self_care || [];
  $("self-care-list").replaceChildren(...care.map((g) => el("li", {}, el("strong", { textContent: g.title + ". " }), g.advice)));
  $("self-care").hidden = care.length === 0;
  for (const g of care) sources.push(sourcesOf(g.title, g));
  $("sources").replaceChildren(...(sources.length ? [el("p", { textContent: "Where each point comes from:" }), el("ul", {}, ...sources)] : []));
  $("notice").textContent = v.notice;
  $("rule-set").replaceChildren("Rule set: " + v.rule_set.title + ", " + v.rule_set.name + " " + v.rule_set.version + " ",
    el("code", { className: "hash", textContent: "(" + v.rule_set.hash + ")" }));
  $("details").open = false;
  $("verdict-back").disabled = state.history.length === 0;
  show("verdict", $("outcome"), "Result: " + headline + ".");
}

// back asks the last question answered or skipped again, showing the
// earlier answer; it counts only once given again. The question is shown
// as it was asked (it is askable: the answers before it are unchanged), and
// /next checks the answers and gives the progress count.
async function back() {
  const prev = state.history.pop();
  if (prev === undefined) return;
  delete state.answers[prev.id];
  state.skip = state.skip.filter((id) => id !== prev.id);
  try {
    const r = await post("next", { answers: state.answers, skip: state.skip });
    showQuestion(questions[prev.id] || r.question, prev.optional, (!r.done && r.remaining) || 1);
  } catch (e) {
    showError(e.message, e.errors);
  }
}

$("back").addEventListener("click", back);
$("verdict-back").addEventListener("click", back);

$("skip").addEventListener("click", () => {
  state.skip.push(current.q.id);
  state.history.push({ id: current.q.id, optional: current.optional });
  advance();
});

// From an incomplete result: ask the skipped questions that are missing,
// keeping every answer given.
$("answer-missing").addEventListener("click", () => {
  const missing = lastVerdict ? lastVerdict.missing : [];
  state.skip = state.skip.filter((id) => !missing.includes(id));
  advance();
});

$("answer-optional").addEventListener("click", () => {
  const optional = lastVerdict ? lastVerdict.optional || [] : [];
  state.skip = state.skip.filter((id) => !optional.includes(id));
  advance();
});

$("restart").addEventListener("click", () => {
  state.answers = {};
  state.skip = [];
  state.history = [];
  state.remembered = {};
  advance();
});

$("start").addEventListener("click", advance);
// Try again: the same request again, with the answers kept; the whole page
// when even the questionnaire did not load.
$("retry").addEventListener("click", () => (Object.keys(questions).length ? advance() : location.reload()));

// Next, or Enter in a field: read the controls of the question on screen.
$("question").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (current && current.submit) current.submit();
});

function describeAsks(list) {
  const types = new Set(list.map((q) => q.type));
  const kinds = [];
  if (types.has("boolean")) kinds.push("most are yes or no");
  if (types.has("choice") || types.has("multichoice")) kinds.push("some ask you to tick what applies");
  if (types.has("integer") || types.has("number")) kinds.push("a few ask for a number");
  return "up to " + list.length + " short questions about your symptoms and your health, one at a time" + (kinds.length ? " (" + kinds.join("; ") + ")" : "");
}

(async function start() {
  try {
    const res = await fetch("questionnaire");
    if (!res.ok) throw new Error(res.statusText);
    const q = await res.json();
    questions = Object.fromEntries(q.questions.map((x) => [x.id, x]));
    $("title").textContent = q.rule_set.title;
    document.title = q.rule_set.title;
    $("top-notice").textContent = q.notice;
    $("intro-asks").textContent = describeAsks(q.questions);
  } catch (e) {
    showError("cannot load the questionnaire: " + e.message);
    return;
  }
  show("intro", $("intro-heading"), "Before you start: this supports triage; it is not a diagnosis.");
})();

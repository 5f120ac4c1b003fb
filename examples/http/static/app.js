// The browser form: asks one question at a time using POST /next (first
// what can change the outcome, then, once it is self-care, the optional
// questions that could add a caution, marked as such), then shows the
// verdict. Plain JavaScript, no build step. Every render bumps
// body[data-step] so tests (and people) can tell a new screen from the old.
"use strict";

const headlines = {
  self_care: "SELF-CARE IS OK — no red flag in your answers",
  see_professional: "SEE A PROFESSIONAL — your answers include a red flag",
  incomplete: "INCOMPLETE — a few more answers are needed before self-care can be cleared",
};

const state = { answers: {}, skip: [], history: [] };
let step = 0;

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
}

function rendered(kind) {
  step++;
  document.body.dataset.step = String(step);
  document.body.dataset.screen = kind;
}

function showError(message, errors) {
  const box = $("error");
  box.textContent = message + (errors ? ": " + errors.map((e) => e.question + ": " + e.message).join("; ") : "");
  box.hidden = false;
  rendered("error");
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
  $("error").hidden = true;
  try {
    const r = await post("/next", { answers: state.answers, skip: state.skip });
    if (r.done) showVerdict(r.verdict);
    else showQuestion(r.question, r.optional === true);
  } catch (e) {
    showError(e.message, e.errors);
  }
}

function answer(q, value) {
  state.answers[q.id] = value;
  state.history.push(q.id);
  advance();
}

function showQuestion(q, optional) {
  $("verdict").hidden = true;
  const form = $("question");
  form.dataset.id = q.id;
  form.dataset.optional = String(optional);
  $("question-count").textContent = "Question " + (state.history.length + 1) + (optional ? " (optional)" : "");
  // An optional question cannot change the outcome, only add a caution.
  $("optional-note").hidden = !optional;
  $("skip").textContent = optional ? "Skip this optional question" : "Skip this question";
  $("question-text").textContent = q.text;
  $("question-help").textContent = q.help || "";
  $("question-help").hidden = !q.help;
  $("question-error").hidden = true;
  $("back").disabled = state.history.length === 0;
  const controls = $("controls");
  controls.replaceChildren();
  const problem = (msg) => {
    $("question-error").textContent = msg;
    $("question-error").hidden = false;
  };

  switch (q.type) {
    case "boolean":
      controls.append(
        el("button", { type: "button", id: "answer-yes", textContent: "Yes", onclick: () => answer(q, true) }),
        el("button", { type: "button", id: "answer-no", textContent: "No", onclick: () => answer(q, false) }),
      );
      break;
    case "integer":
    case "number": {
      const input = el("input", { type: "number", id: "answer-number", required: true });
      input.step = q.type === "integer" ? "1" : "any";
      if (q.min !== undefined) input.min = q.min;
      if (q.max !== undefined) input.max = q.max;
      controls.append(el("label", {}, input, q.unit ? " " + q.unit : ""),
        el("button", { type: "button", id: "submit", textContent: "Next", onclick: () => {
          if (input.value === "" || !input.checkValidity()) {
            return problem(q.type === "integer" ? "Please enter a whole number" + range(q) + "." : "Please enter a number" + range(q) + ".");
          }
          answer(q, Number(input.value));
        } }));
      input.focus();
      break;
    }
    case "choice":
      for (const c of q.choices) {
        controls.append(el("label", {}, el("input", { type: "radio", name: "choice", value: c.value }), " " + c.label));
      }
      controls.append(el("button", { type: "button", id: "submit", textContent: "Next", onclick: () => {
        const picked = controls.querySelector("input[name=choice]:checked");
        if (!picked) return problem("Please pick one.");
        answer(q, picked.value);
      } }));
      break;
    case "multichoice": {
      for (const c of q.choices) {
        controls.append(el("label", {}, el("input", { type: "checkbox", name: "pick", value: c.value }), " " + c.label));
      }
      const none = el("input", { type: "checkbox", id: "answer-none" });
      controls.append(el("label", {}, none, " None of these"));
      // "None of these" and the choices exclude each other.
      controls.addEventListener("change", (ev) => {
        if (ev.target === none && none.checked) controls.querySelectorAll("input[name=pick]").forEach((b) => (b.checked = false));
        if (ev.target.name === "pick" && ev.target.checked) none.checked = false;
      });
      controls.append(el("button", { type: "button", id: "submit", textContent: "Next", onclick: () => {
        const picked = [...controls.querySelectorAll("input[name=pick]:checked")].map((b) => b.value);
        // Nothing ticked is not an answer: "none" must be said, never assumed.
        if (picked.length === 0 && !none.checked) return problem("Please tick what applies, or None of these.");
        answer(q, picked);
      } }));
      break;
    }
    default:
      problem("This question cannot be shown here.");
  }
  form.hidden = false;
  rendered("question");
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

function showVerdict(v) {
  $("question").hidden = true;
  $("outcome").textContent = headlines[v.outcome] || v.outcome;
  const reasons = $("reasons");
  reasons.replaceChildren();
  for (const r of v.reasons) {
    const div = el("div", { className: "reason " + r.action });
    div.dataset.rule = r.rule_id;
    div.append(el("h3", { textContent: (r.action === "refer" ? "Red flag: " : "Caution: ") + r.title }));
    div.append(el("p", { textContent: r.advice }));
    if (r.evidence.length > 0) {
      div.append(el("p", { className: "because", textContent: "Because you answered: " + r.evidence.map((e) => e.question + " = " + fmt(e.value)).join(", ") }));
    }
    div.append(el("p", { className: "source" }, "Source: ", citation(r.source)));
    for (const c of r.see_also || []) div.append(el("p", { className: "source" }, "See also: ", citation(c)));
    reasons.append(div);
  }
  const missing = $("missing-list");
  missing.replaceChildren(...v.missing.map((id) => el("li", { textContent: id })));
  $("missing").hidden = v.missing.length === 0;
  const optional = v.optional || [];
  $("optional-list").replaceChildren(...optional.map((id) => el("li", { textContent: id })));
  $("optional").hidden = optional.length === 0;
  const care = $("self-care-list");
  care.replaceChildren(...(v.self_care || []).map((g) =>
    el("li", {}, el("strong", { textContent: g.title + ": " }), g.advice, el("p", { className: "source" }, "Source: ", citation(g.source)))));
  $("self-care").hidden = !v.self_care || v.self_care.length === 0;
  $("notice").textContent = v.notice;
  $("rule-set").textContent = "Rule set: " + v.rule_set.name + " " + v.rule_set.version + " (" + v.rule_set.hash + ")";
  $("verdict").hidden = false;
  rendered("verdict");
}

function fmt(v) {
  if (Array.isArray(v)) return v.length === 0 ? "none" : v.join(", ");
  if (v === true) return "yes";
  if (v === false) return "no";
  return String(v);
}

$("back").addEventListener("click", () => {
  const prev = state.history.pop();
  if (prev === undefined) return;
  delete state.answers[prev];
  state.skip = state.skip.filter((id) => id !== prev);
  advance();
});

$("skip").addEventListener("click", () => {
  const id = $("question").dataset.id;
  state.skip.push(id);
  state.history.push(id);
  advance();
});

$("restart").addEventListener("click", () => {
  state.answers = {};
  state.skip = [];
  state.history = [];
  advance();
});

$("question").addEventListener("submit", (ev) => ev.preventDefault());

(async function start() {
  try {
    const res = await fetch("/questionnaire");
    const q = await res.json();
    $("title").textContent = q.rule_set.title;
    $("top-notice").textContent = q.notice;
  } catch (e) {
    showError("Cannot load the questionnaire: " + e.message);
    return;
  }
  advance();
})();

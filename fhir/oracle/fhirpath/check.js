#!/usr/bin/env node
// check.js: redflag's FHIRPath checks, run by fhir/oracle's Go tests (see
// docs/fhir.md, "Checked by real FHIR tooling"). Plain JavaScript, no
// build step.
//
//   node check.js INPUT.json      prints a JSON report; exit 1 on a failure
//   node check.js --invariants    prints the invariant table as JSON
//
// INPUT.json is {"questionnaires": [{"name", "resource"}],
//                "cases": [{"questionnaire": name,
//                           "cases": [{"response", "expected": {linkId: bool|null}}]}]}
//
// For each Questionnaire it evaluates the R4 invariants que-1 ... que-13,
// each in its context (the resource, every item at any depth, every
// enableWhen), with the fhirpath package and its bundled R4 model; anything
// but [true] is a failure naming the invariant and the linkId.
//
// For each set of cases it evaluates every sdc-questionnaire-enableWhenExpression
// of the Questionnaire on each QuestionnaireResponse, with %resource the
// response (as the SDC implementation guide defines it), and compares with
// the expected value Go computed from the CEL ask_if:
//   true  (the question is asked)          must give [true]
//   false (the question is not applicable) must give [false]
//   null  (undecided: an answer it reads is missing, so redflag keeps the
//          question waiting) must give [], FHIRPath's empty collection,
//          which is its unknown: FHIRPath's three-valued logic treats an
//          empty operand as CEL's partial evaluation treats an unknown one.
//          SDC enables an item only when the expression is true, so [] keeps
//          the item disabled, as redflag keeps the question unasked. ([false]
//          would disable it too, but would claim a decision CEL did not make,
//          so it counts as a disagreement.)
// Each exported expression is such a three-valued test followed by
// " ~ true", so that a form renderer always gets a boolean (SDC treats
// anything else as an error): [] becomes [false], the item stays disabled.
// Both are checked: the whole expression must give [true] exactly when CEL
// says true and [false] otherwise, and the test before " ~ true" must give
// [true], [false] or [] as above.
'use strict';

const fs = require('fs');
const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

const ENABLE_WHEN_EXPRESSION =
  'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression';

// The invariants of the R4 (4.0.1) Questionnaire StructureDefinition
// (hl7.fhir.r4.core#4.0.1, StructureDefinition/Questionnaire, element
// constraints que-1 ... que-13; the same expressions google/fhir/go v0.7.4
// carries in its R4 protos, which TestInvariantsAreR4s compares with this
// table). `published` is the expression as R4 published it; `expression`
// is what is evaluated. Two published expressions are errata, corrected as
// R4B (hl7.fhir.r4b.core#4.3.0) corrected them:
//   que-7  "answer is Boolean" names System.Boolean, which an answerBoolean
//          (a FHIR boolean) is not, so it is false on every valid "exists";
//          R4B tests "answer is boolean".
//   que-12 "enableWhen.count() > 2" lets two enableWhen go without
//          enableBehavior, while its own text says "more than one"; R4B
//          tests "> 1". The corrected form is the stricter one.
const INVARIANTS = [
  {key: 'que-1', context: 'Questionnaire.item',
    published: "(type='group' implies item.empty().not()) and (type.trace('type')='display' implies item.trace('item').empty())"},
  {key: 'que-2', context: 'Questionnaire',
    published: 'descendants().linkId.isDistinct()'},
  {key: 'que-3', context: 'Questionnaire.item',
    published: "type!='display' or code.empty()"},
  {key: 'que-4', context: 'Questionnaire.item',
    published: 'answerOption.empty() or answerValueSet.empty()'},
  {key: 'que-5', context: 'Questionnaire.item',
    published: "(type ='choice' or type = 'open-choice' or type = 'decimal' or type = 'integer' or type = 'date' or type = 'dateTime' or type = 'time' or type = 'string' or type = 'quantity') or (answerValueSet.empty() and answerOption.empty())"},
  {key: 'que-6', context: 'Questionnaire.item',
    published: "type!='display' or (required.empty() and repeats.empty())"},
  {key: 'que-7', context: 'Questionnaire.item.enableWhen',
    published: "operator = 'exists' implies (answer is Boolean)",
    expression: "operator = 'exists' implies (answer is boolean)"},
  {key: 'que-8', context: 'Questionnaire.item',
    published: "(type!='group' and type!='display') or initial.empty()"},
  {key: 'que-9', context: 'Questionnaire.item',
    published: "type!='display' or readOnly.empty()"},
  {key: 'que-10', context: 'Questionnaire.item',
    published: "(type in ('boolean' | 'decimal' | 'integer' | 'string' | 'text' | 'url' | 'open-choice')) or maxLength.empty()"},
  {key: 'que-11', context: 'Questionnaire.item',
    published: 'answerOption.empty() or initial.empty()'},
  {key: 'que-12', context: 'Questionnaire.item',
    published: 'enableWhen.count() > 2 implies enableBehavior.exists()',
    expression: 'enableWhen.count() > 1 implies enableBehavior.exists()'},
  {key: 'que-13', context: 'Questionnaire.item',
    published: 'repeats=true or initial.count() <= 1'},
].map((inv) => ({...inv, expression: inv.expression || inv.published}));

// quiet keeps que-1's trace() calls off stdout, which carries the report.
const quiet = {traceFn: () => {}};

// contexts returns the nodes an invariant's context selects in q, each with
// the linkId that names it in a failure.
function contexts(q, context) {
  const out = [];
  const walk = (items) => {
    for (const it of items || []) {
      if (context === 'Questionnaire.item') {
        out.push({node: it, linkId: it.linkId});
      } else {
        (it.enableWhen || []).forEach((ew, i) =>
          out.push({node: ew, linkId: `${it.linkId} enableWhen[${i}]`}));
      }
      walk(it.item);
    }
  };
  if (context === 'Questionnaire') {
    return [{node: q, linkId: '(resource)'}];
  }
  walk(q.item);
  return out;
}

// checkInvariants evaluates every invariant on q.
function checkInvariants(name, q) {
  const counts = {};
  const failures = [];
  for (const inv of INVARIANTS) {
    const base = inv.context === 'Questionnaire' ? undefined : inv.context;
    const fn = fhirpath.compile(base ? {base, expression: inv.expression} : inv.expression, r4, quiet);
    counts[inv.key] = 0;
    for (const {node, linkId} of contexts(q, inv.context)) {
      const got = fn(node, {resource: q});
      counts[inv.key]++;
      if (!(got.length === 1 && got[0] === true)) {
        failures.push({questionnaire: name, invariant: inv.key, linkId, result: got});
      }
    }
  }
  return {counts, failures};
}

// expressions returns the enableWhenExpression of every item of q, by
// linkId, and the URLs of misspelt look-alikes.
function expressions(q) {
  const found = {};
  const misspelt = [];
  const walk = (items) => {
    for (const it of items || []) {
      for (const x of it.extension || []) {
        if (x.url === ENABLE_WHEN_EXPRESSION) {
          found[it.linkId] = x.valueExpression;
        } else if (/enableWhenExpression$/.test(x.url)) {
          misspelt.push({linkId: it.linkId, url: x.url});
        }
      }
      walk(it.item);
    }
  };
  walk(q.item);
  return {found, misspelt};
}

// outcome names what an expression gave, for the tallies.
function outcome(got) {
  if (got.length === 0) return 'empty';
  if (got.length === 1 && typeof got[0] === 'boolean') return String(got[0]);
  return 'other';
}

// agrees tells whether an expression's results match the CEL verdict: got
// is the exported expression's, inner that of its three-valued test.
function agrees(expected, got, inner) {
  const o = outcome(got);
  const i = outcome(inner);
  if (expected === true) return o === 'true' && i === 'true';
  if (expected === false) return o === 'false' && i === 'false';
  return o === 'false' && i === 'empty';
}

const BOOLEAN_SUFFIX = ' ~ true';

// compareExpressions evaluates q's enableWhenExpressions on every case.
function compareExpressions(name, q, cases) {
  const {found, misspelt} = expressions(q);
  const linkIds = Object.keys(found).sort();
  const perExpression = {};
  const compiled = {};
  const innerCompiled = {};
  for (const id of linkIds) {
    if (found[id].language !== 'text/fhirpath') {
      throw new Error(`${name}: ${id}: enableWhenExpression language is ${found[id].language}, not text/fhirpath`);
    }
    const expr = found[id].expression;
    if (!expr.endsWith(BOOLEAN_SUFFIX)) {
      throw new Error(`${name}: ${id}: enableWhenExpression does not end in "${BOOLEAN_SUFFIX}", so it may give a non-boolean: ${expr}`);
    }
    compiled[id] = fhirpath.compile(expr, r4, quiet);
    innerCompiled[id] = fhirpath.compile(expr.slice(0, -BOOLEAN_SUFFIX.length), r4, quiet);
    perExpression[id] = {expression: expr, expected: {true: 0, false: 0, null: 0},
      got: {true: 0, false: 0, empty: 0, other: 0}, inner: {true: 0, false: 0, empty: 0, other: 0}};
  }
  const report = {questionnaire: name, responses: cases.length, agreed: 0, disagreed: 0,
    evaluations: 0, misspelt, perExpression, disagreements: []};
  cases.forEach((c, i) => {
    const keys = Object.keys(c.expected).sort();
    if (keys.join() !== linkIds.join()) {
      throw new Error(`${name}: case ${i} expects values for [${keys}], but the Questionnaire has expressions on [${linkIds}]`);
    }
    let ok = true;
    for (const id of linkIds) {
      const got = compiled[id](c.response, {resource: c.response});
      const inner = innerCompiled[id](c.response, {resource: c.response});
      const want = c.expected[id];
      report.evaluations++;
      perExpression[id].expected[String(want)]++;
      perExpression[id].got[outcome(got)]++;
      perExpression[id].inner[outcome(inner)]++;
      if (!agrees(want, got, inner)) {
        ok = false;
        if (report.disagreements.length < 20) {
          report.disagreements.push({case: i, linkId: id, expected: want, got, inner, response: c.response});
        }
      }
    }
    ok ? report.agreed++ : report.disagreed++;
  });
  return report;
}

function main(argv) {
  if (argv[0] === '--invariants') {
    process.stdout.write(JSON.stringify(INVARIANTS, null, 1) + '\n');
    return 0;
  }
  if (argv.length !== 1) {
    process.stderr.write('usage: node check.js INPUT.json | node check.js --invariants\n');
    return 2;
  }
  const input = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
  const byName = {};
  const report = {fhirpathVersion: require('fhirpath/package.json').version, invariants: [], expressions: []};
  for (const {name, resource} of input.questionnaires) {
    byName[name] = resource;
    report.invariants.push({questionnaire: name, ...checkInvariants(name, resource)});
  }
  for (const {questionnaire, cases} of input.cases || []) {
    report.expressions.push(compareExpressions(questionnaire, byName[questionnaire], cases));
  }
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  const failed = report.invariants.some((r) => r.failures.length > 0) ||
    report.expressions.some((r) => r.disagreed > 0 || r.misspelt.length > 0);
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

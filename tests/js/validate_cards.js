#!/usr/bin/env node
// Parses Adaptive Cards with Microsoft's renderer library (npm `adaptivecards`) and reports
// everything it complains about, so the Python tests can judge every card the bot sends.
//
// stdin:  a JSON array of {"name": string, "card": object}
// stdout: a JSON array of {"name", "version", "events": [...], "failures": [...]} in the same order;
//         each event/failure is {"phase", "source", "event", "message"}.
//   events   - logged while parsing with a SerializationContext targeting schema 1.5
//              (unknown element/action types, invalid property values, properties newer than 1.5,
//              forbidden types, missing show cards, ...), plus "UnknownProperty": a key the library
//              never read, i.e. one it ignores silently (a typo, or a property it does not know).
//   failures - CardObject.validateProperties() (missing or unsupported card version, duplicate ids,
//              required inputs without label/error message, empty collections, too many actions, ...).
// Exit status 0 when it ran (the caller judges the results); non-zero with a message on stderr when
// the library cannot be loaded or the input is not a JSON array.
//
// Parsing does not touch the DOM, so no `document`/`window` shim is needed in Node.
"use strict";

let AC;
try {
    AC = require("adaptivecards/dist/adaptivecards.js");
} catch (err) {
    process.stderr.write(
        "validate_cards.js: cannot load the npm package 'adaptivecards' (run `npm ci` in the repository root): "
        + err.message + "\n");
    process.exit(2);
}
if (typeof AC.AdaptiveCard !== "function" || typeof AC.SerializationContext !== "function"
        || typeof AC.SerializableObject !== "function" || !AC.Versions || !AC.Versions.v1_5) {
    process.stderr.write("validate_cards.js: 'adaptivecards' loaded but lacks AdaptiveCard, SerializationContext, "
        + "SerializableObject or Versions.v1_5; is it version 3.x?\n");
    process.exit(2);
}

const TARGET = AC.Versions.v1_5;
// Keys the schema allows that the library does not read in every code path: "$schema" anywhere,
// "fallback" (read only when falling back), and "version" on the card inside an Action.ShowCard
// (the schema allows it; the library ignores it there, as only the outermost card's version counts).
function allowed(owner, key) {
    return key === "$schema" || key === "fallback" || (key === "version" && owner instanceof AC.AdaptiveCard);
}

function describe(obj) {
    if (!obj || typeof obj !== "object") {
        return null;
    }
    const type = (typeof obj.getJsonTypeName === "function" && obj.getJsonTypeName())
        || (obj.constructor && obj.constructor.name) || "?";
    return obj.id ? `${type}#${obj.id}` : type;
}

// Every card object (element, action, fact, choice, nested card...) is parsed through
// SerializableObject.prototype.parse(source, context). Wrapping `source` in a Proxy there records
// which keys the library looks at; whatever is left over is a property it does not know.
let unread = null; // Array of {owner, keys: Set, seen: Set} while a card is being parsed
const originalParse = AC.SerializableObject.prototype.parse;
AC.SerializableObject.prototype.parse = function (source, context) {
    if (unread === null || !source || typeof source !== "object" || Array.isArray(source)) {
        return originalParse.call(this, source, context);
    }
    const record = { owner: this, keys: Object.keys(source), seen: new Set() };
    unread.push(record);
    const mark = (key) => { if (typeof key === "string") record.seen.add(key); };
    const proxy = new Proxy(source, {
        get(target, key, receiver) { mark(key); return Reflect.get(target, key, receiver); },
        has(target, key) { mark(key); return Reflect.has(target, key); },
        getOwnPropertyDescriptor(target, key) { mark(key); return Reflect.getOwnPropertyDescriptor(target, key); },
        ownKeys(target) { record.keys.forEach(mark); return Reflect.ownKeys(target); },
    });
    return originalParse.call(this, proxy, context);
};

const PHASES = AC.ValidationPhase;
const EVENTS = AC.ValidationEvent;

function event(phase, source, ev, message) {
    return {
        phase: typeof phase === "number" ? PHASES[phase] : phase,
        source: describe(source),
        event: typeof ev === "number" ? EVENTS[ev] : ev,
        message,
    };
}

function check(name, json) {
    const result = { name, version: null, events: [], failures: [] };
    const context = new AC.SerializationContext(TARGET);
    const card = new AC.AdaptiveCard();
    unread = [];
    try {
        card.parse(json, context);
    } catch (err) {
        result.events.push(event("Parse", null, "Exception", `parse threw: ${err && err.stack || err}`));
        return result;
    } finally {
        const records = unread;
        unread = null;
        for (const r of records) {
            for (const key of r.keys) {
                if (!r.seen.has(key) && !allowed(r.owner, key)) {
                    result.events.push(event("Parse", r.owner, "UnknownProperty",
                        `Unknown property "${key}" on ${describe(r.owner)}: the renderer ignores it.`));
                }
            }
        }
    }
    for (let i = 0; i < context.eventCount; i++) {
        const e = context.getEventAt(i);
        result.events.push(event(e.phase, e.source, e.event, e.message));
    }
    try {
        const validation = card.validateProperties();
        for (const e of validation.validationEvents) {
            result.failures.push(event(e.phase, e.source, e.event, e.message));
        }
    } catch (err) {
        result.failures.push(event("Validation", null, "Exception", `validateProperties threw: ${err && err.stack || err}`));
    }
    result.version = card.version ? card.version.toString() : null;
    return result;
}

function main(input) {
    let items;
    try {
        items = JSON.parse(input);
    } catch (err) {
        process.stderr.write(`validate_cards.js: stdin is not JSON: ${err.message}\n`);
        process.exit(2);
    }
    if (!Array.isArray(items)) {
        process.stderr.write("validate_cards.js: stdin must be a JSON array of {name, card}\n");
        process.exit(2);
    }
    const results = items.map((item, i) => check(item && item.name !== undefined ? String(item.name) : `#${i}`,
                                                  item ? item.card : undefined));
    process.stdout.write(JSON.stringify(results));
}

const chunks = [];
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => main(chunks.join("")));

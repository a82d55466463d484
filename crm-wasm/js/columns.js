// Typed-array batches, for data already in columns: RFM scores of order columns and SLA due
// times of start columns, each one call into wasm. Money comes back as exact decimal text.

import * as wasm from "./crm_wasm.js";
import { CrmError, guarded } from "./calls.js";
import { input } from "./convert.js";

const invalid = (field, reason) => new CrmError("INVALID_INPUT", `invalid ${field}: ${reason}`, { field, reason });
const calendarDate = input("date");

/** Strings as one text and each one's end, so a column crosses in one piece. */
function pack(items, field) {
  const ends = new Uint32Array(items.length);
  let end = 0;
  for (let i = 0; i < items.length; i++) {
    if (typeof items[i] !== "string") throw invalid(`${field}[${i}]`, "a decimal string");
    end += items[i].length;
    ends[i] = end;
  }
  return [items.join(""), ends];
}

function unpack(text, ends) {
  const out = new Array(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    out[i] = text.slice(start, ends[i]);
    start = ends[i];
  }
  return out;
}

/** RFM scores of orders given as columns; see index.d.ts. */
export function rfmScoreColumns(columns, asOf, config) {
  const { customerIds, dates, amounts } = columns ?? {};
  if (!(dates instanceof Int32Array)) throw invalid("dates", "an Int32Array of days since 1970-01-01");
  const n = dates.length;
  if (customerIds?.length !== n || amounts?.length !== n) {
    throw invalid("customerIds", `customerIds, dates and amounts differ in length (${customerIds?.length}, ${n}, ${amounts?.length})`);
  }
  let floats, text, ends;
  if (amounts instanceof Float64Array) floats = amounts;
  else if (Array.isArray(amounts)) [text, ends] = pack(amounts, "amounts");
  else throw invalid("amounts", "a Float64Array or an array of decimal strings");
  if (config !== undefined && config !== null && typeof config !== "string") throw invalid("config", "TOML text");
  const day = calendarDate(asOf, "asOf");
  const raw = guarded(() => wasm.rfmScoreColumns(customerIds, dates, floats, text, ends, day, config ?? undefined));
  return {
    customerIds: raw.customerIds,
    recencyDays: raw.recencyDays,
    frequency: raw.frequency,
    monetary: unpack(raw.monetaryText, raw.monetaryEnds),
    r: raw.r,
    f: raw.f,
    m: raw.m,
    score: unpack(raw.scoreText, raw.scoreEnds),
    level: raw.level,
    levelNames: raw.levelNames,
    segment: raw.segment,
    segmentNames: raw.segmentNames,
  };
}

/** Due times (epoch ms) of tickets starting at `starts` (epoch ms) with `minutes` of working time each. */
export function slaDueColumns(calendar, starts, minutes) {
  if (typeof calendar !== "string") throw invalid("calendar", "TOML text");
  if (!(starts instanceof Float64Array)) throw invalid("starts", "a Float64Array of epoch milliseconds");
  if (minutes?.length !== starts.length) throw invalid("minutes", "as many as starts");
  return guarded(() => wasm.slaDueColumns(calendar, starts, Float64Array.from(minutes)));
}

import { describe, expect, it } from "vitest";
import { KEPT_UPDATE_VALUES, valuesToRemove } from "../../src/acmedns/rotation.js";

describe("valuesToRemove: a name keeps its two newest /update values", () => {
  it("keeps two: one order's apex and wildcard challenges", () => {
    expect(KEPT_UPDATE_VALUES).toBe(2);
  });

  it.each<[string, string[], string, string[]]>([
    ["first value: nothing to remove", ["a"], "a", []],
    ["second value: both stay (apex + wildcard)", ["b", "a"], "b", []],
    ["third value: the oldest goes", ["c", "b", "a"], "c", ["a"]],
    ["a later order: both of the previous order but the newest go", ["d", "c", "b", "a"], "d", ["b", "a"]],
    ["the same value sent again is the newest, nothing else moves", ["a", "b"], "a", []],
    ["a value sent again after others: it stays and becomes newest", ["a", "c", "b"], "a", ["b"]],
    ["the new value missing from the list (not yet remembered) still counts", ["b", "a"], "c", ["a"]],
    ["duplicates in the list are removed once", ["c", "b", "a", "a"], "c", ["a"]],
  ])("%s", (_title, newestFirst, value, removed) => {
    expect(valuesToRemove(newestFirst, value)).toEqual(removed);
  });
});

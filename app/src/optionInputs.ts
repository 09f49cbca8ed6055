/**
 * How a voter chooses, shared by the open and the sealed vote pages: radios for a single choice,
 * checkboxes for an approval election, the legend naming the election's SelectionRule
 * (lib/core/ballot.ts), and the chosen options read back from the form.
 */
import type { SelectionRule } from "../../lib/core/ballot";
import { h } from "./dom";
import { t } from "./i18n";

export interface OptionEntry {
  option: number;
  name: string;
}

/** Exactly one option: radios (one can always be replaced, never cleared). Any other rule is approval: checkboxes. */
export const isSingleChoice = (rule: SelectionRule): boolean => rule.minSelections === 1 && rule.maxSelections === 1;

/** The rule in the voter's words: "Choose one option", "Choose from 1 to 3 options", "Choose up to 2 options", "Choose 2 options". */
export function selectionRuleText(rule: SelectionRule): string {
  const { minSelections: min, maxSelections: max } = rule;
  if (isSingleChoice(rule)) return t("vote.choose");
  if (min === max) return t("vote.chooseExactly", { count: min });
  if (min === 0) return t("vote.chooseUpTo", { max });
  return t("vote.chooseRange", { min, max });
}

/** The options as form inputs named "option", value the option's index, in a fieldset whose legend is the rule. */
export function optionInputs(rule: SelectionRule, options: readonly OptionEntry[]): HTMLElement {
  const type = isSingleChoice(rule) ? "radio" : "checkbox";
  return h("fieldset", {}, h("legend", {}, selectionRuleText(rule)), ...options.map((option) => h("p", {},
    h("input", { type, name: "option", id: `option-${option.option}`, value: String(option.option) }),
    h("label", { for: `option-${option.option}` }, option.name))));
}

/** The checked options' indices, lowest first (the order of the inputs). */
export const chosenOptions = (form: HTMLFormElement): number[] => [...form.querySelectorAll<HTMLInputElement>("input[name=option]:checked")].map((input) => Number(input.value));

/** The chosen options' names for the receipt, comma-separated. */
export const chosenNames = (options: readonly OptionEntry[], selected: readonly number[]): string => selected.map((option) => options[option]?.name ?? String(option)).join(", ");

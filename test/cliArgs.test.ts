/** The commands' argument parsers (tasks/cli.ts) for approval elections: --option lists and the selection flags. */
import { expect } from "chai";

import { CliError, parseOptionList, parseSelectionFlags } from "../tasks/cli";

const refusal = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(CliError);
    return (error as Error).message;
  }
  return expect.fail("accepted");
};

describe("command-line arguments (tasks/cli.ts)", () => {
  const names = ["Yes", "No", "Abstain"];

  it("--option: one option or a comma-separated list, by number or name; none is a blank ballot", () => {
    expect(parseOptionList("2", names)).to.deep.equal([2]);
    expect(parseOptionList("yes, 2", names)).to.deep.equal([0, 2]);
    expect(parseOptionList("none", names)).to.deep.equal([]);
    expect(parseOptionList("none", ["None", "Some"])).to.deep.equal([0]); // an option called that wins
    expect(parseOptionList("0,3")).to.deep.equal([0, 3]); // sealed: no names, the count is the library's check
    expect(refusal(() => parseOptionList("0,3", names))).to.match(/^option 3 is out of range: this election has options 0 to 2/);
    expect(refusal(() => parseOptionList("Yes,Maybe", names))).to.match(/^no option named "Maybe"/);
    expect(refusal(() => parseOptionList("1,no", names))).to.match(/^--option names an option twice: "1,no"/);
    expect(refusal(() => parseOptionList("0;1"))).to.match(/^--option must be option numbers separated by commas, got "0;1"/);
  });

  it("--min-selections / --max-selections: 0 <= min <= max <= options, max >= 1, each refusal naming its flag", () => {
    expect(parseSelectionFlags("1", "1", 4)).to.deep.equal({ minSelections: 1, maxSelections: 1 });
    expect(parseSelectionFlags("0", "4", 4)).to.deep.equal({ minSelections: 0, maxSelections: 4 });
    expect(refusal(() => parseSelectionFlags("1", "5", 4))).to.equal("--max-selections must be from 1 to the number of options (4), got 5");
    expect(refusal(() => parseSelectionFlags("0", "0", 4))).to.equal("--max-selections must be from 1 to the number of options (4), got 0");
    expect(refusal(() => parseSelectionFlags("3", "2", 4))).to.equal("--min-selections must be at most --max-selections (2), got 3");
    expect(refusal(() => parseSelectionFlags("-1", "2", 4))).to.equal('--min-selections must be a whole number, got "-1"');
    expect(refusal(() => parseSelectionFlags("1", "two", 4))).to.equal('--max-selections must be a whole number, got "two"');
  });
});

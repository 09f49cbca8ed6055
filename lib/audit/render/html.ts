/** The HTML renderer: a self-contained page (no external request) for an audit report. */
import type { AuditReport, BallotEntry } from "../types";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const evidenceOf = (report: AuditReport, id: string) => report.checks.find((check) => check.id === id)?.evidence ?? {};
const text = (value: unknown) => (value === undefined || value === null ? "(none)" : Array.isArray(value) ? value.join(", ") : String(value));

/** A sealed election's comparisons: the key, the totals, the decryptions and the counts. */
function sealedEvidenceRows(report: AuditReport): [string, string, string][] {
  const evidence = (id: string) => evidenceOf(report, id);
  const [roll, verifiers, ceremony, ballots, totals, decryptions, tally] = ["voter-roll", "sealed-verifiers", "key-ceremony", "sealed-ballots", "encrypted-totals", "partial-decryptions", "sealed-tally"].map(evidence);
  return [
    ["voter roll root", `recomputed from the published commitments: ${text(roll.recomputedRoot)}`, `frozen in VotingOpened: ${text(roll.frozenRoot)}`],
    ["verifiers", `ballot verifier code hash ${text(verifiers.sealedVoteVerifierCodeHash)}; decryption verifier code hash ${text(verifiers.sealedDecryptionVerifierCodeHash)}`, `compared with the verifiers compiled from the verification keys; setup: ${text(verifiers.setup)}${verifiers.setupSecure === true ? "" : " (INSECURE: anyone can forge proofs)"}`],
    ["qualified dealers", `recomputed from the ceremony: ${text(ceremony.qualifiedDealers)} (disqualified: ${text(ceremony.disqualifiedDealers)})`, `contract: ${text(ceremony.onChainQualified)}`],
    ["election key", `recomputed from the qualified commitments: ${text(ceremony.recomputedElectionKey)}`, `ElectionKeyFixed: ${text(ceremony.electionKeyFixed)}; contract: ${text(ceremony.onChainElectionKey)}`],
    ["ballots", `VoteCast events: ${text(ballots.voteCastEvents)}; proofs re-verified: ${text(ballots.verified)}`, `skipped in batches (not counted): ${text(ballots.skippedInBatches)}`],
    ["encrypted totals", `sum of ${text(totals.ballotsSummed)} ballots' ciphertexts: ${text(totals.recomputedTotals)}`, `contract: ${text(totals.onChainTotals)}`],
    ["partial decryptions", `posted: ${text(decryptions.posted)}; proofs re-verified for trustees ${text(decryptions.verified)}`, `threshold: ${text(decryptions.threshold)}`],
    ["counts", `recovered from trustees ${text(tally.combinedTrustees)}: ${text(tally.recoveredCounts)}`, `TallyFinalized: ${text(tally.finalizedTally)}; contract: ${text(tally.onChainTally)}`],
  ];
}

/** The comparisons a reader checks by eye: each value the auditor recomputed next to the one the chain states. */
function evidenceRows(report: AuditReport): [string, string, string][] {
  if (report.election.kind === "sealed") return sealedEvidenceRows(report);
  const evidence = (id: string) => evidenceOf(report, id);
  const roll = evidence("voter-roll");
  const verifier = evidence("verifier-integrity");
  const ballots = evidence("ballots");
  const tally = evidence("tally");
  return [
    ["voter roll root", `recomputed from the published commitments: ${text(roll.recomputedRoot)}`, `frozen in VotingOpened: ${text(roll.frozenRoot)}`],
    ["voters on the roll", `published in events: ${text(roll.voterCount)} (in ${text(roll.batches)} batches)`, `contract: ${text(roll.onChainVoterCount)}`],
    ["roll digest", `recomputed: ${text(roll.voterRollDigest)}`, `contract: ${text(roll.onChainVoterRollDigest)}`],
    ["vote verifier", `code hash (keccak256 of the code at ${text(verifier.verifier)}): ${text(verifier.verifierCodeHash)}`, "compared with the verifier compiled from the verification key"],
    ["batch verifier", `code hash (keccak256 of the code at ${text(verifier.batchVerifier)}): ${text(verifier.batchVerifierCodeHash)}`, "compared with VoteBatchVerifier and the key it returns"],
    ["verification key", `SHA-256: ${text(verifier.verificationKeySha256)}`, `setup: ${text(verifier.setup)}${verifier.setupSecure === true ? "" : " (INSECURE: anyone can forge proofs)"}`],
    ["ballots", `VoteCast events: ${text(ballots.voteCastEvents)}; re-verified: ${text(ballots.verified)}; non-canonical: ${text(ballots.nonCanonicalProofs)}`, `skipped in batches (not counted): ${text(ballots.skippedInBatches)}`],
    ["tally", `recount of verified ballots: ${text(tally.recount)}`, `on-chain: ${text(tally.onChain)}${tally.final === undefined ? "" : `; final (ElectionClosed): ${text(tally.final)}`}`],
  ];
}

/** Filters the ballot table as the voter types (no request leaves the page). */
const BALLOT_SEARCH_SCRIPT = `(function () {
  var input = document.getElementById("ballot-search");
  var rows = document.querySelectorAll("#ballots tbody tr");
  var shown = document.getElementById("ballot-count");
  input.addEventListener("input", function () {
    var query = input.value.trim().toLowerCase();
    var count = 0;
    for (var i = 0; i < rows.length; i++) {
      var match = query === "" || rows[i].textContent.toLowerCase().indexOf(query) >= 0;
      rows[i].hidden = !match;
      if (match) count++;
    }
    shown.textContent = String(count);
  });
})();`;

/**
 * A self-contained HTML report: the verdict, the tally as an inline SVG chart, every check with
 * its evidence, the recomputed values next to the chain's, the operator record and every ballot
 * (searchable by a small inline script). No external requests; long values wrap.
 */
/** A ballot's choice for the table: its options with their names, "(blank)", or "(invalid)" when it does not decode. */
function describeBallotEntry(entry: BallotEntry, optionNames: string[]): string {
  if (entry.sealed) return "(sealed)";
  const selections = entry.selections ?? (entry.option === null ? null : [entry.option]);
  if (selections === null) return "(invalid)";
  if (selections.length === 0) return "(blank)";
  return escapeHtml(selections.map((option) => `${option} (${optionNames[option] ?? `option ${option}`})`).join(", "));
}

export function renderAuditHtml(report: AuditReport, optionNames: string[]): string {
  const tally = (report.election.tally as string[]).map(Number);
  const max = Math.max(1, ...tally);
  const bars = tally
    .map((votes, i) => {
      const width = Math.round((votes / max) * 400);
      const y = 10 + i * 34;
      return `<text x="0" y="${y + 17}" font-size="13">${escapeHtml(optionNames[i] ?? `option ${i}`)}</text><rect x="170" y="${y}" width="${width}" height="24" fill="#3b6ea5"/><text x="${176 + width}" y="${y + 17}" font-size="13">${votes}</text>`;
    })
    .join("");
  const evidenceList = (evidence: Record<string, unknown>) =>
    Object.entries(evidence)
      .map(([key, value]) => `<li>${escapeHtml(key)}: <code>${escapeHtml(Array.isArray(value) ? value.join(", ") : String(value))}</code></li>`)
      .join("");
  const rows = report.checks
    .map((check) => {
      const color = check.status === "pass" ? "#1a7f37" : check.status === "warn" ? "#9a6700" : "#cf222e";
      const notes = [
        ...check.findings.map((f) => `${f.code ? `${f.code}: ` : ""}${f.message}${f.blockNumber !== undefined ? ` (block ${f.blockNumber}${f.transactionHash ? `, tx ${f.transactionHash}` : ""})` : ""}`),
        ...check.warnings,
      ]
        .map((note) => `<li>${escapeHtml(note)}</li>`)
        .join("");
      return `<tr><td style="color:${color};font-weight:bold">${check.status.toUpperCase()}</td><td>${escapeHtml(check.title)}</td><td><ul>${notes}</ul></td><td><ul class="evidence">${evidenceList(check.evidence)}</ul></td></tr>`;
    })
    .join("");
  const comparisons = evidenceRows(report)
    .map(([what, recomputed, stated]) => `<tr><td>${escapeHtml(what)}</td><td>${escapeHtml(recomputed)}</td><td>${escapeHtml(stated)}</td></tr>`)
    .join("");
  const operations = report.operations
    .map((op) => `<tr><td>${op.blockNumber}</td><td>${escapeHtml(op.action)}</td><td><code>${escapeHtml(op.actor)}</code></td><td><code>${escapeHtml(op.transactionFrom)}</code></td><td><code>${escapeHtml(op.transactionHash)}</code></td><td>${escapeHtml(Object.entries(op.details).map(([k, v]) => `${k}=${v}`).join(", "))}</td></tr>`)
    .join("");
  const ballots = report.ballots
    .map((b) => `<tr><td><code>${escapeHtml(b.nullifier)}</code></td><td>${describeBallotEntry(b, optionNames)}</td><td>${b.blockNumber}</td><td><code>${escapeHtml(b.transactionHash)}</code></td><td>${b.verified ? "yes" : "NO"}</td></tr>`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>zkballot audit: election ${escapeHtml(report.electionId)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}ul{margin:0;padding-left:1.2em}code{font-size:12px;overflow-wrap:anywhere;word-break:break-all}input{font-size:1em;width:100%;max-width:40em;padding:4px}</style></head><body>
<h1>${escapeHtml(String(report.election.title))}</h1>
<p>Election ${escapeHtml(report.electionId)} at <code>${escapeHtml(report.contract)}</code> on chain ${escapeHtml(report.chainId)}, blocks ${report.blocks.from}-${report.blocks.to}. Audited ${escapeHtml(report.generatedAt)}.</p>
<h2 id="verdict" style="color:${report.result.ok ? "#1a7f37" : "#cf222e"}">${report.result.ok ? "PASS" : "FAIL"}: ${report.result.passed} passed, ${report.result.warned} warnings, ${report.result.failed} failed</h2>
<h2>Result</h2><svg width="640" height="${20 + tally.length * 34}" role="img" aria-label="tally">${bars}</svg>
<h2>Checks</h2><table id="checks"><thead><tr><th style="width:4em">status</th><th style="width:14em">check</th><th>findings</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Evidence: recomputed next to stated</h2><table id="evidence"><thead><tr><th style="width:10em">what</th><th>recomputed by this audit</th><th>stated by the chain</th></tr></thead><tbody>${comparisons}</tbody></table>
<h2>Operation record</h2><p>The actor is the address the contract saw (msg.sender), read from the event; a multisig is shown as itself. The transaction sender is who paid for the transaction.</p>
<table id="operations"><thead><tr><th style="width:5em">block</th><th style="width:12em">action</th><th>actor</th><th>transaction sender</th><th>transaction</th><th>details</th></tr></thead><tbody>${operations}</tbody></table>
<h2>Ballots (${report.ballots.length})</h2><p>Find yours by its nullifier (<code>npx hardhat my-ballot</code> prints it) or its transaction.</p>
<p><label for="ballot-search">Search: </label><input id="ballot-search" type="search" placeholder="nullifier, transaction hash or block"> <span id="ballot-count">${report.ballots.length}</span> shown</p>
<table id="ballots"><thead><tr><th>nullifier</th><th style="width:9em">option</th><th style="width:5em">block</th><th>transaction</th><th style="width:6em">verified</th></tr></thead><tbody>${ballots}</tbody></table>
<script>${BALLOT_SEARCH_SCRIPT}</script>
</body></html>
`;
}

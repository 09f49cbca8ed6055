/**
 * Secrets stay out of git: what .gitignore covers, where identity files go by default, and the
 * refusal to write one where `git add .` would commit it (issue 11, point 5).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { ZkBallotError } from "../lib/core/errors";
import { gitIgnores, gitWorkTreeOf } from "../lib/node/files";
import { identityStoreDir, prepareIdentityLocation, resolveIdentityPath } from "../lib/node/identityFile";

import { runHardhatCliAsync } from "./helpers/processes";

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

describe("secrets out of git", function () {
  this.timeout(120_000);
  let scratch: string;
  let repo: string;
  let home: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-secrets-"));
    repo = path.join(scratch, "clone");
    home = path.join(scratch, "home");
    fs.mkdirSync(repo);
    git(repo, "init", "--quiet");
    fs.copyFileSync(path.join(PROJECT_ROOT, ".gitignore"), path.join(repo, ".gitignore"));
  });

  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it(".gitignore covers deployment records, identity files and the relayer's database, and not the sources", () => {
    for (const file of ["deployments/11155111.json", "deployments/31337.json", "alice.identity.json", "voters/bob.identity.json", "relayer.sqlite", "relayer.sqlite-wal", "relayer.sqlite-shm"]) {
      expect(gitIgnores(path.join(repo, file), repo), file).to.equal(true);
    }
    for (const file of ["README.md", "lib/core/identity.ts", "alice.json"]) expect(gitIgnores(path.join(repo, file), repo), file).to.equal(false);
  });

  it("a bare name is a file in ~/.zkballot/identities ($ZKBALLOT_HOME); anything with a dot or a slash is a path", () => {
    const env = { ZKBALLOT_HOME: home };
    expect(identityStoreDir(env)).to.equal(path.join(home, "identities"));
    expect(identityStoreDir({ HOME: "/home/x" })).to.equal(path.join(os.homedir(), ".zkballot", "identities"));
    expect(resolveIdentityPath("alice", env)).to.equal(path.join(home, "identities", "alice.identity.json"));
    expect(resolveIdentityPath("voter_2-b", env)).to.equal(path.join(home, "identities", "voter_2-b.identity.json"));
    for (const given of ["alice.json", "./alice", "keys/alice", "/tmp/alice", "alice.identity.json"]) expect(resolveIdentityPath(given, env)).to.equal(given);
  });

  it("refuses a path inside a git work tree that git does not ignore, unless allowed; an ignored one or one outside is fine", () => {
    const env = { ZKBALLOT_HOME: home };
    const committable = path.join(repo, "alice.json");
    let refusal: unknown;
    try {
      prepareIdentityLocation(committable, { env });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).to.be.instanceOf(ZkBallotError);
    expect((refusal as ZkBallotError).code).to.equal("IDENTITY_UNSAFE_LOCATION");
    expect((refusal as Error).message).to.match(/inside the git work tree .*clone and git does not ignore it, so `git add \.` would commit it .*--allow-git-work-tree/);
    expect(prepareIdentityLocation(committable, { env, allowInWorkTree: true })).to.deep.equal({ workTree: repo, ignoredByGit: false });
    expect(prepareIdentityLocation(path.join(repo, "alice.identity.json"), { env })).to.deep.equal({ workTree: repo, ignoredByGit: true });
    expect(prepareIdentityLocation(path.join(scratch, "alice.json"), { env })).to.deep.equal({});

    // The default store is created private to its owner.
    expect(prepareIdentityLocation(resolveIdentityPath("alice", env), { env })).to.deep.equal({});
    expect(fs.statSync(identityStoreDir(env)).mode & 0o777).to.equal(0o700);
  });

  it("treats a `.git` file (a linked worktree) as a work tree, and refuses when git cannot say whether the path is ignored", () => {
    const linked = path.join(scratch, "linked");
    fs.mkdirSync(path.join(linked, "sub"), { recursive: true });
    fs.writeFileSync(path.join(linked, ".git"), "gitdir: /nonexistent/worktrees/linked\n");
    expect(gitWorkTreeOf(path.join(linked, "sub", "alice.json"))).to.equal(linked);
    expect(() => prepareIdentityLocation(path.join(linked, "sub", "alice.identity.json"), { env: { ZKBALLOT_HOME: home } })).to.throw(/git cannot tell whether it is ignored/);
  });

  it("identity new: refused inside the clone (no file written), by name into the store, and found again by name", async () => {
    const env = { ...process.env, ZKBALLOT_HOME: home };
    const [inClone, byName, explicit] = await Promise.all([
      runHardhatCliAsync(["identity", "new", "--out", path.join(repo, "alice.json")], env),
      runHardhatCliAsync(["identity", "new", "--out", "alice"], env),
      runHardhatCliAsync(["identity", "new", "--out", path.join(repo, "carol.json"), "--allow-git-work-tree"], env),
    ]);
    expect(inClone.status).to.equal(1);
    expect(inClone.stderr).to.match(/^error: refusing to write a voter secret to .*alice\.json: it is inside the git work tree/m);
    expect(fs.existsSync(path.join(repo, "alice.json"))).to.equal(false);
    expect(fs.readdirSync(repo).filter((name) => name.includes("alice"))).to.deep.equal([]); // no temporary file either

    expect(byName.status, byName.stderr).to.equal(0);
    const stored = path.join(home, "identities", "alice.identity.json");
    expect(byName.stdout).to.include(`identity written to ${stored}`);
    expect(fs.statSync(stored).mode & 0o777).to.equal(0o600);
    const commitment = await runHardhatCliAsync(["identity", "commitment", "--identity", "alice"], env);
    expect(commitment.status, commitment.stderr).to.equal(0);
    expect(byName.stdout).to.include(commitment.stdout.trim());

    expect(explicit.status, explicit.stderr).to.equal(0);
    expect(explicit.stderr).to.match(/warning: .*carol\.json is inside the git work tree .* git does not ignore it: `git add \.` would commit your secret/);
    expect(fs.existsSync(path.join(repo, "carol.json"))).to.equal(true);
  });
});

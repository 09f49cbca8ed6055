/**
 * The iden3 binary files snarkjs and circom write (ptau, r1cs, zkey): their section table and
 * the powers-of-tau header, read without loading the whole file.
 */
import * as fs from "node:fs";

import { ZkBallotError } from "../core/errors";

export interface BinSection {
  type: number;
  offset: number;
  size: number;
}

/** The section table of an iden3 binary file ("ptau", "r1cs", "zkey"), read without loading the file. */
export function readSections(file: string, magic: string): BinSection[] {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(12);
    if (fs.readSync(fd, head, 0, 12, 0) !== 12 || head.toString("latin1", 0, 4) !== magic) throw new Error(`not a ${magic} file`);
    const count = head.readUInt32LE(8);
    const sections: BinSection[] = [];
    let offset = 12;
    for (let i = 0; i < count; i++) {
      const entry = Buffer.alloc(12);
      if (fs.readSync(fd, entry, 0, 12, offset) !== 12) throw new Error("truncated section table");
      const sectionSize = Number(entry.readBigUInt64LE(4));
      sections.push({ type: entry.readUInt32LE(0), offset: offset + 12, size: sectionSize });
      offset += 12 + sectionSize;
      if (offset > size) throw new Error("truncated file");
    }
    return sections;
  } finally {
    fs.closeSync(fd);
  }
}

export function readAt(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, offset);
    return buffer;
  } finally {
    fs.closeSync(fd);
  }
}

export interface PtauInfo {
  power: number;
  ceremonyPower: number;
  /** Has the Lagrange sections `powersoftau prepare phase2` adds (sections 12-15). */
  preparedForPhase2: boolean;
}

/** Header of a powers-of-tau file; INVALID_PTAU when it is not one. */
export function readPtauInfo(file: string): PtauInfo {
  if (!fs.existsSync(file)) throw new ZkBallotError("INVALID_PTAU", `${file} not found`, "pass the phase-1 file with --ptau");
  try {
    const sections = readSections(file, "ptau");
    const header = sections.find((section) => section.type === 1);
    if (header === undefined) throw new Error("no header section");
    const n8 = readAt(file, header.offset, 4).readUInt32LE(0);
    const powers = readAt(file, header.offset + 4 + n8, 8);
    const types = new Set(sections.map((section) => section.type));
    return { power: powers.readUInt32LE(0), ceremonyPower: powers.readUInt32LE(4), preparedForPhase2: [12, 13, 14, 15].every((t) => types.has(t)) };
  } catch (error) {
    throw new ZkBallotError("INVALID_PTAU", `${file} is not a powers-of-tau file: ${(error as Error).message}`);
  }
}

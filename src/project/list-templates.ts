import { readdirSync, statSync, type Dirent } from "node:fs";
import { join, parse } from "node:path";

/**
 * An override folder holds the few templates a recipe changes (intern has a few dozen); walking
 * more than this many entries means `templates` names some other folder, `/` or a home folder,
 * whose walk could take minutes or meet files no one may read.
 */
export const MAX_TEMPLATE_ENTRIES = 1000;
/** intern's templates are one folder deep; an override laid out like them is too. */
export const MAX_TEMPLATE_DEPTH = 8;

/** Why a folder cannot serve as a template folder, in words that follow its name. */
export class TemplateFolderError extends Error {
  constructor(
    readonly code: "INTERN_TEMPLATES_NOT_FOUND" | "INTERN_TEMPLATES_UNUSABLE",
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "TemplateFolderError";
  }
}

const TOO_BIG_HINT = "point `templates` at a folder that holds only the templates the recipe overrides (for example ./templates beside the recipe)";

function kindOf(entry: Dirent): string {
  if (entry.isFIFO()) return "a FIFO";
  if (entry.isSocket()) return "a socket";
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * The `.hbs` files under `dir`, as `/`-separated names relative to it, sorted. Throws a
 * TemplateFolderError saying what is wrong with the folder: it does not exist, is a file, is the
 * root of the file system, is too large or deep to be a template folder, or cannot be read.
 */
export function listTemplates(dir: string): string[] {
  if (parse(dir).root === dir) throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", "is the root of the file system, not a template folder", TOO_BIG_HINT);
  let stat;
  try {
    stat = statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new TemplateFolderError("INTERN_TEMPLATES_NOT_FOUND", "does not exist", "the path is relative to the recipe's folder");
    throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", `cannot be read (${code ?? String(error)})`, "make it readable by this user, or point `templates` at another folder");
  }
  if (!stat.isDirectory()) throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", "is a file, not a folder", "`templates` names a folder of .hbs files laid out like intern's templates/");
  const out: string[] = [];
  let entries = 0;
  const pending: { path: string; rel: string; depth: number }[] = [{ path: dir, rel: "", depth: 0 }];
  while (pending.length > 0) {
    const { path, rel, depth } = pending.pop()!;
    let list: Dirent[];
    try {
      list = readdirSync(path, { withFileTypes: true });
    } catch (error) {
      throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", `has a folder that cannot be read: ${rel} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, "make it readable by this user, or remove it");
    }
    entries += list.length;
    if (entries > MAX_TEMPLATE_ENTRIES) throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", `holds more than ${MAX_TEMPLATE_ENTRIES} files and folders: too many for a template folder`, TOO_BIG_HINT);
    for (const entry of list) {
      const name = `${rel}${entry.name}`;
      if (entry.isDirectory()) {
        if (depth + 1 >= MAX_TEMPLATE_DEPTH) throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", `has folders nested more than ${MAX_TEMPLATE_DEPTH} deep (${name}/): too deep for a template folder`, TOO_BIG_HINT);
        pending.push({ path: join(path, entry.name), rel: `${name}/`, depth: depth + 1 });
        continue;
      }
      if (!entry.name.endsWith(".hbs")) continue;
      // A link is followed to what it names; a FIFO or a device would block or never end.
      const target = entry.isSymbolicLink() ? targetKind(join(path, entry.name)) : entry.isFile() ? null : kindOf(entry);
      if (target !== null) throw new TemplateFolderError("INTERN_TEMPLATES_UNUSABLE", `has ${name}, which is ${target}`, "a template is a regular file of text; remove or replace it");
      out.push(name);
    }
  }
  return out.sort();
}

/** What a link named `*.hbs` leads to, when that is not a regular file; null when it is one. */
function targetKind(path: string): string | null {
  try {
    const s = statSync(path);
    if (s.isFile()) return null;
    if (s.isDirectory()) return "a link to a folder";
    if (s.isFIFO()) return "a link to a FIFO";
    return "a link to something other than a file";
  } catch {
    return "a link to nothing";
  }
}

import { sublevel } from '../db/database.ts'
import type { PackageDraft } from '../../admin/package-draft.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'

/** The package drafts of this node's admins, one per package name (sublevel 'package-drafts'). */
export class DraftStore {
  readonly #drafts: Sublevel<PackageDraft>

  constructor (db: NodeDatabase) {
    this.#drafts = sublevel(db, 'package-drafts')
  }

  async get (name: string): Promise<PackageDraft | undefined> {
    return await this.#drafts.get(name)
  }

  async put (draft: PackageDraft): Promise<void> {
    await this.#drafts.put(draft.name, draft)
  }

  async list (): Promise<PackageDraft[]> {
    return await this.#drafts.values().all()
  }
}

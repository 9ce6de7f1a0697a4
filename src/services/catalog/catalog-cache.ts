import type { LicenseModel, Product } from '../../domain/catalog.ts';
import { findLicenseModel, findProduct } from '../../store/catalog.ts';
import type { Db } from '../../store/database.ts';

export interface ProductWithModel {
  product: Product;
  model: LicenseModel;
}

/**
 * What a licence says about its product is read on every activation, and changes rarely: it is
 * kept a few seconds. A change made here is seen at once; one made by another server process
 * within `ttlMs`, which only affects licences issued in that window.
 */
export class CatalogCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { value: ProductWithModel; at: number }>();

  constructor(ttlMs = 5_000) {
    this.#ttlMs = ttlMs;
  }

  async productWithModel(db: Db, productId: string): Promise<ProductWithModel | undefined> {
    const cached = this.#entries.get(productId);
    if (cached && Date.now() - cached.at < this.#ttlMs) return cached.value;
    const product = await findProduct(db, productId);
    const model = product && (await findLicenseModel(db, product.licenseModelId));
    if (!product || !model) return undefined;
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(productId, { value: { product, model }, at: Date.now() });
    return { product, model };
  }

  forget(): void {
    this.#entries.clear();
  }
}

/// A product of the demo catalog.
struct DemoProduct: Sendable {
    let sku: String
    let name: String
    let unit: String
    let reorderPoint: Int
    /// Typical purchase cost and list price, in cents.
    let costCents: Int64
    let priceCents: Int64
    /// Typical quantity on one order line.
    let lineQuantity: ClosedRange<Int>
    /// Relative popularity: how often it appears on order lines.
    let weight: Double
}

/// The demo company's three warehouses and a few hundred products (at scale 1) of office and
/// workshop supplies, with their popularity on order lines.
struct DemoCatalog: Sendable {
    static let warehouseIds = ["WH-HAMBURG", "WH-MUNICH", "WH-COLOGNE"]
    static let warehouseNames = ["Hamburg harbour warehouse", "Munich south depot", "Cologne distribution centre"]
    /// Share of customers served from each warehouse by default.
    static let warehouseShare = [0.5, 0.3, 0.2]

    let products: [DemoProduct]
    /// Cumulative weights of `products`, for drawing order lines.
    let cumulativeWeights: [Double]

    private struct Family {
        let name: String
        let unit: String
        let cost: ClosedRange<Int>  // whole currency units
        let quantity: ClosedRange<Int>
        let variants: [String]
    }

    private static let families: [Family] = [
        Family(
            name: "Office chair", unit: "pcs", cost: 60...260, quantity: 1...6,
            variants: ["mesh", "leather", "ergonomic", "task", "executive"]),
        Family(
            name: "Desk", unit: "pcs", cost: 90...420, quantity: 1...4,
            variants: ["120 cm", "160 cm", "standing", "corner"]),
        Family(
            name: "Steel shelf", unit: "pcs", cost: 40...180, quantity: 1...8,
            variants: ["5 levels", "heavy duty", "wide", "narrow"]),
        Family(
            name: "Printer paper", unit: "box", cost: 12...30, quantity: 2...40,
            variants: ["A4 80 g", "A4 100 g", "A3 80 g", "recycled"]),
        Family(
            name: "Toner", unit: "pcs", cost: 25...120, quantity: 1...12,
            variants: ["black", "cyan", "magenta", "yellow"]),
        Family(
            name: "Safety gloves", unit: "box", cost: 6...25, quantity: 2...30,
            variants: ["size M", "size L", "size XL", "cut resistant"]),
        Family(
            name: "Safety shoes", unit: "pair", cost: 35...110, quantity: 1...10, variants: ["S1P", "S3", "winter"]),
        Family(
            name: "LED panel", unit: "pcs", cost: 18...90, quantity: 1...20, variants: ["60x60", "30x120", "dimmable"]),
        Family(
            name: "Network cable", unit: "pcs", cost: 2...14, quantity: 5...60,
            variants: ["Cat6 2 m", "Cat6 5 m", "Cat7 10 m"]),
        Family(
            name: "Drill bit set", unit: "set", cost: 9...60, quantity: 1...12,
            variants: ["HSS", "masonry", "wood", "cobalt"]),
        Family(
            name: "Cordless drill", unit: "pcs", cost: 70...260, quantity: 1...5, variants: ["18 V", "12 V", "hammer"]),
        Family(name: "Pallet", unit: "pcs", cost: 8...25, quantity: 4...40, variants: ["EUR", "plastic", "half"]),
        Family(
            name: "Packing tape", unit: "roll", cost: 1...5, quantity: 10...120,
            variants: ["clear", "brown", "printed"]),
        Family(
            name: "Cardboard box", unit: "bundle", cost: 10...40, quantity: 2...30,
            variants: ["small", "medium", "large"]),
        Family(
            name: "Label printer", unit: "pcs", cost: 80...320, quantity: 1...3, variants: ["desktop", "industrial"]),
        Family(
            name: "Monitor", unit: "pcs", cost: 110...480, quantity: 1...6,
            variants: ["24 inch", "27 inch", "32 inch"]),
        Family(
            name: "Keyboard", unit: "pcs", cost: 15...90, quantity: 1...10,
            variants: ["wired", "wireless", "compact"]),
        Family(
            name: "Whiteboard", unit: "pcs", cost: 30...150, quantity: 1...4, variants: ["90x60", "180x90", "mobile"]),
        Family(
            name: "Coffee beans", unit: "kg", cost: 12...28, quantity: 2...20,
            variants: ["espresso", "crema", "decaf"]),
        Family(
            name: "First aid kit", unit: "pcs", cost: 20...70, quantity: 1...6,
            variants: ["DIN 13157", "DIN 13169", "vehicle"]),
    ]

    init(seed: UInt64, scale: Double) {
        var rng = DemoRandom(seed: SplitMix64.mix(seed, "catalog"))
        let count = max(20, Int((300 * scale).rounded()))
        var products: [DemoProduct] = []
        products.reserveCapacity(count)
        // Popularity follows a long tail, shuffled so it does not follow the sku numbers.
        var ranks = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { ranks.swapAt(i, rng.below(i + 1)) }
        for i in 0..<count {
            let family = DemoCatalog.families[i % DemoCatalog.families.count]
            let variant = family.variants[(i / DemoCatalog.families.count) % family.variants.count]
            let series = i / (DemoCatalog.families.count * 2) + 1
            let cost = Int64(rng.int(family.cost)) * 100 + Int64(rng.below(100))
            let margin = 1.25 + rng.unit() * 0.6
            let weight = 1.0 / Double(ranks[i] + 8)
            let typical = (family.quantity.lowerBound + family.quantity.upperBound) / 2
            products.append(
                DemoProduct(
                    sku: "SKU-\(10001 + i)", name: "\(family.name) \(variant) series \(series)", unit: family.unit,
                    reorderPoint: max(2, Int(weight * 400) * max(1, typical / 2)), costCents: cost,
                    priceCents: Int64((Double(cost) * margin).rounded()), lineQuantity: family.quantity,
                    weight: weight))
        }
        self.products = products
        var cumulative: [Double] = []
        var total = 0.0
        for p in products {
            total += p.weight
            cumulative.append(total)
        }
        cumulativeWeights = cumulative
    }
}

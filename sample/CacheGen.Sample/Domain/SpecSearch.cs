namespace CacheGen.Sample.Domain;

/// <summary>
/// Fuzzy search over the whole catalogue: every spec's vendor, model and category words are compared with every
/// query word by edit distance. CPU-bound and deterministic.
/// </summary>
public static class SpecSearch
{
    /// <summary>Returns the best <paramref name="limit"/> matches of the normalised <paramref name="query"/>.</summary>
    public static SpecSearchResult Search(SpecCatalog catalog, string query, int limit, CancellationToken ct)
    {
        string[] terms = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var scored = new List<SpecHit>();
        Span<int> row = stackalloc int[65];
        for (int i = 0; i < catalog.All.Count; i++)
        {
            if ((i & 1023) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            var spec = catalog.All[i];
            double score = 0;
            foreach (string term in terms)
            {
                double best = Math.Max(Similarity(term, spec.Vendor, row), Similarity(term, spec.Category, row));
                foreach (string word in spec.Model.Split(' ', '-'))
                {
                    best = Math.Max(best, Similarity(term, word, row));
                }

                score += best;
            }

            score /= terms.Length;
            if (score >= 0.6)
            {
                scored.Add(new SpecHit(spec.Id, spec.Vendor, spec.Model, spec.Category, spec.HeightU, spec.PowerWatts, Math.Round(score, 3)));
            }
        }

        var hits = scored.OrderByDescending(h => h.Score).ThenBy(h => h.Id, StringComparer.Ordinal).Take(limit).ToList();
        return new SpecSearchResult(query, scored.Count, catalog.All.Count, [.. hits]);
    }

    // 1 - Levenshtein distance / longer length, case-insensitive; a prefix match counts fully
    private static double Similarity(string term, string word, Span<int> row)
    {
        if (word.StartsWith(term, StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }

        int n = Math.Min(word.Length, row.Length - 1);
        for (int j = 0; j <= n; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= term.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            char a = char.ToLowerInvariant(term[i - 1]);
            for (int j = 1; j <= n; j++)
            {
                int above = row[j];
                int cost = a == char.ToLowerInvariant(word[j - 1]) ? 0 : 1;
                row[j] = Math.Min(Math.Min(row[j - 1] + 1, above + 1), diagonal + cost);
                diagonal = above;
            }
        }

        return 1 - ((double)row[n] / Math.Max(term.Length, n));
    }
}

using System.Collections;
using System.Reflection;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// Structural equality for test assertions (reflection is fine in tests): the same runtime type at every level,
/// every public field and readable property, sequences element by element, floating point by bits.
/// </summary>
internal static class DeepEqual
{
    public static void Assert(object? expected, object? actual)
    {
        string? difference = Compare(expected, actual, "value", 0, typeof(object));
        Xunit.Assert.True(difference is null, "Values differ at " + difference);
    }

    /// <param name="declared">The declared type: a collection declared as an interface is rebuilt as List, HashSet or Dictionary (documented), so only its elements are compared.</param>
    private static string? Compare(object? a, object? b, string path, int depth, Type declared)
    {
        if (a is null || b is null)
        {
            return a is null && b is null ? null : $"{path}: {Show(a)} vs {Show(b)}";
        }

        Type type = a.GetType();
        if (type != b.GetType() && !(declared.IsInterface && a is IEnumerable && b is IEnumerable))
        {
            return $"{path}: type {type.Name} vs {b.GetType().Name}";
        }

        if (depth > 80)
        {
            return $"{path}: too deep";
        }

        switch (a)
        {
            case double d:
                return BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits((double)b) ? null : $"{path}: {d:R} vs {(double)b:R}";
            case float f:
                return BitConverter.SingleToInt32Bits(f) == BitConverter.SingleToInt32Bits((float)b) ? null : $"{path}: {f:R} vs {(float)b:R}";
            case Half h:
                return h.Equals((Half)b) ? null : $"{path}: {h} vs {b}";
            case decimal m:
                // equal and with the same scale: 1.10m and 1.1m are equal but print differently
                return decimal.GetBits(m).SequenceEqual(decimal.GetBits((decimal)b)) ? null : $"{path}: {m} vs {b}";
            case DateTime t:
                return t.Ticks == ((DateTime)b).Ticks && t.Kind == ((DateTime)b).Kind ? null : $"{path}: {t:O} {t.Kind} vs {(DateTime)b:O} {((DateTime)b).Kind}";
            case DateTimeOffset o:
                return o.Ticks == ((DateTimeOffset)b).Ticks && o.Offset == ((DateTimeOffset)b).Offset ? null : $"{path}: {o:O} vs {(DateTimeOffset)b:O}";
            case string or Uri or Version or System.Numerics.BigInteger or Guid or TimeSpan or DateOnly or TimeOnly or Int128 or UInt128 or Enum or char or bool:
                return a.Equals(b) && a.ToString() == b.ToString() ? null : $"{path}: {Show(a)} vs {Show(b)}";
        }

        if (type.IsPrimitive)
        {
            return a.Equals(b) ? null : $"{path}: {a} vs {b}";
        }

        if (a is IEnumerable ea && b is IEnumerable eb)
        {
            var la = ea.Cast<object?>().ToList();
            var lb = eb.Cast<object?>().ToList();
            if (la.Count != lb.Count)
            {
                return $"{path}: count {la.Count} vs {lb.Count}";
            }

            if (a is IDictionary || IsSet(type))
            {
                // unordered: compare by sorting on a stable text form
                la = la.OrderBy(x => Key(x), StringComparer.Ordinal).ToList();
                lb = lb.OrderBy(x => Key(x), StringComparer.Ordinal).ToList();
            }

            for (int i = 0; i < la.Count; i++)
            {
                if (Compare(la[i], lb[i], $"{path}[{i}]", depth + 1, typeof(object)) is { } diff)
                {
                    return diff;
                }
            }

            return null;
        }

        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            if (Compare(field.GetValue(a), field.GetValue(b), path + "." + field.Name, depth + 1, field.FieldType) is { } diff)
            {
                return diff;
            }
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.CanRead))
        {
            if (Compare(property.GetValue(a), property.GetValue(b), path + "." + property.Name, depth + 1, property.PropertyType) is { } diff)
            {
                return diff;
            }
        }

        return null;
    }

    private static bool IsSet(Type type) => type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlySet<>));

    private static string Key(object? value) => value switch
    {
        null => "",
        DictionaryEntry e => Key(e.Key),
        _ when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(KeyValuePair<,>) => Key(value.GetType().GetProperty("Key")!.GetValue(value)),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => "\"" + string.Concat(s.Select(c => c < 32 || c > 126 ? $"\\u{(int)c:x4}" : c.ToString())) + "\"",
        _ => value.ToString() ?? "",
    };
}

using System.Numerics;
using System.Runtime.InteropServices;

namespace CacheGen.Internal;

/// <summary>
/// A count that many threads add to at once without sharing a cache line: one padded cell per core (at most 64 cells),
/// each added to atomically, summed when read. Exact: every increment lands in one cell and a read adds them all.
/// </summary>
/// <remarks>Ours: the BCL has no such counter (<c>Interlocked</c> on one field makes every core write one line).</remarks>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells = new Cell[Math.Min(64, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount)))];

    /// <summary>Adds one, in the cell of the core this thread runs on now.</summary>
    public void Increment() => Interlocked.Increment(ref _cells[Thread.GetCurrentProcessorId() & (_cells.Length - 1)].Value);

    /// <summary>Gets the sum of the cells.</summary>
    public long Read()
    {
        long sum = 0;
        for (int i = 0; i < _cells.Length; i++)
        {
            sum += Interlocked.Read(ref _cells[i].Value);
        }

        return sum;
    }

    /// <summary>One cell: the value 64 bytes into 128, so that no two cells (nor the array's header) share a cache line, adjacent-line prefetch included.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}

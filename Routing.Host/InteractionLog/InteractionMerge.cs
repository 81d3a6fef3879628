namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// How two pieces of one interaction's row combine. The database applies the same rules in
/// <see cref="LogSql.UpsertInteractions"/>; the writer applies them first to pieces of one batch,
/// because one statement may touch a row only once. Three kinds of field:
/// facts of the call's start are kept as first written (a replay cannot move them);
/// fields that change as the call goes on (queue, agent, outcome, end) follow the piece with the
/// higher call sequence, so an old piece replayed late cannot undo a newer one;
/// annotations from outside the call's order (disposition, notes, score, link) take the latest value given.
/// </summary>
public static class InteractionMerge
{
    public static LogRecord.Interaction Merge(LogRecord.Interaction older, LogRecord.Interaction newer)
    {
        var newerWins = newer.Sequence >= older.Sequence;
        T? Latest<T>(T? a, T? b) where T : struct => newerWins ? b ?? a : a ?? b;

        return older with
        {
            Sequence = Math.Max(older.Sequence, newer.Sequence),
            Gateway = older.Gateway ?? newer.Gateway,
            Caller = older.Caller ?? newer.Caller,
            Customer = older.Customer ?? newer.Customer,
            Attributes = older.Attributes ?? newer.Attributes,
            Tier = older.Tier ?? newer.Tier,
            RequiredSkills = older.RequiredSkills ?? newer.RequiredSkills,
            PreferredAgent = older.PreferredAgent ?? newer.PreferredAgent,
            Emergency = older.Emergency ?? newer.Emergency,
            ArrivedAt = older.ArrivedAt ?? newer.ArrivedAt,
            QueuedAt = older.QueuedAt ?? newer.QueuedAt,
            FirstOfferedAt = older.FirstOfferedAt ?? newer.FirstOfferedAt,
            AnsweredAt = older.AnsweredAt ?? newer.AnsweredAt,
            CallbackRequestedAt = older.CallbackRequestedAt ?? newer.CallbackRequestedAt,
            Queue = Latest(older.Queue, newer.Queue),
            Agent = Latest(older.Agent, newer.Agent),
            Outcome = Latest(older.Outcome, newer.Outcome),
            EndedAt = Latest(older.EndedAt, newer.EndedAt),
            WrapUpEndedAt = newer.WrapUpEndedAt ?? older.WrapUpEndedAt,
            DispositionCode = newer.DispositionCode ?? older.DispositionCode,
            Notes = newer.Notes ?? older.Notes,
            SatisfactionScore = newer.SatisfactionScore ?? older.SatisfactionScore,
            Complaint = newer.Complaint ?? older.Complaint,
            // The link and its kind travel together.
            LinkedCall = newer.LinkedCall ?? older.LinkedCall,
            LinkKind = newer.LinkedCall is not null ? newer.LinkKind : older.LinkKind,
        };
    }

    /// <summary>One piece per call, in the order the calls first appear; each the merge of its pieces in order.</summary>
    public static IReadOnlyList<LogRecord.Interaction> MergeByCall(IEnumerable<LogRecord.Interaction> pieces)
    {
        var merged = new Dictionary<Model.CallId, LogRecord.Interaction>();
        var order = new List<Model.CallId>();
        foreach (var piece in pieces)
        {
            if (merged.TryGetValue(piece.Call, out var sofar))
            {
                merged[piece.Call] = Merge(sofar, piece);
            }
            else
            {
                merged[piece.Call] = piece;
                order.Add(piece.Call);
            }
        }

        return order.ConvertAll(call => merged[call]);
    }
}
